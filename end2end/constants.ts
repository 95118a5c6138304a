// Shared by the config (which starts the server with them) and the specs (which sign in).
export const ADMIN_EMAIL = "e2e@example.test";
export const ADMIN_PASSWORD = "e2e-password-123";
