//! Which endpoint asks for what: the one table. `authenticate` applies it to every request
//! before a server function runs, so a function cannot forget its check; an endpoint missing
//! here is refused to everyone (and `tests/api/authorization.rs` names it).

use crate::model::people::Access;

/// What `/api/<area>/<verb>` asks of a request; `None` for a path not in the table.
pub fn access_of(path: &str) -> Option<Access> {
    use Access::*;
    let endpoint = path.strip_prefix("/api/")?;
    Some(match endpoint {
        "auth/login" | "auth/logout" | "gallery/get" | "gallery/list" | "invitations/get" | "invitations/accept"
        | "shares/open" | "shares/request" => Public,
        "auth/me" | "account/get" | "people/list" | "media/list" | "media/get" | "media/download"
        | "collections/list" | "collections/get" | "uploads/get" | "uploads/list" | "trash/list" | "tags/list"
        | "media/duplicates" => Read,
        "media/update"
        | "media/delete"
        | "collections/create"
        | "collections/add"
        | "collections/remove"
        | "collections/delete"
        | "collections/update"
        | "collections/reorder"
        | "collections/cover"
        | "collections/publish"
        | "collections/downloads"
        | "uploads/unfinished"
        | "uploads/known"
        | "uploads/known_sizes"
        | "media/tag"
        | "media/set_alt"
        | "media/focus"
        | "media/keep_one"
        | "tags/rename"
        | "tags/merge"
        | "trash/restore"
        | "trash/purge"
        | "shares/create"
        | "shares/list"
        | "shares/update"
        | "shares/revoke"
        | "shares/inbox"
        | "shares/accept"
        | "shares/reject" => Write,
        // What the uploader calls: also open to a file request's guest (see `Access::Upload`).
        "uploads/start" | "uploads/begin" | "uploads/complete" | "uploads/fail" | "uploads/retry" | "uploads/part"
        | "uploads/sign_parts" | "uploads/part_done" | "uploads/parts" | "uploads/poster" | "uploads/limits" => Upload,
        "people/invite" | "people/update" | "people/disable" | "people/enable" | "people/delete"
        | "invitations/list" | "invitations/revoke" | "admin/check" | "admin/probe" | "admin/probe_done" => Owner,
        "account/update"
        | "account/password"
        | "account/sessions"
        | "account/sign_out_others"
        | "tokens/create"
        | "tokens/list"
        | "tokens/revoke" => Session,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_api_or_the_table_have_no_access() {
        assert_eq!(access_of("/api/auth/login"), Some(Access::Public));
        assert_eq!(access_of("/api/people/invite"), Some(Access::Owner));
        assert_eq!(access_of("/api/people/invent"), None);
        assert_eq!(access_of("/library"), None);
    }
}
