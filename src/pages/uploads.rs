use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::collections::list_collections;
use crate::api::uploads::list_uploads;
use crate::components::require_user::RequireUser;
use crate::components::uploader::Uploader;
use crate::model::upload::{JobWithFiles, UploadFile, UploadJobStatus};

#[component]
pub fn UploadsPage() -> impl IntoView {
    view! {
        <Title text="Uploads"/>
        <RequireUser needs=crate::model::people::Access::Write>
            <UploadsView/>
        </RequireUser>
    }
}

/// How often a job in progress is refreshed.
#[cfg(feature = "hydrate")]
const POLL_MS: u64 = 1500;

#[component]
fn UploadsView() -> impl IntoView {
    let settled = RwSignal::new(0u64);
    let jobs = Resource::new(move || settled.get(), |_| list_uploads(None, Some(20)));

    // Poll while any job is still in progress: files finishing in another tab, or the sweeper,
    // show up here without a reload.
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                let running = jobs
                    .get_untracked()
                    .and_then(|r| r.ok())
                    .is_some_and(|jobs| jobs.iter().any(|j| j.job.status == UploadJobStatus::InProgress));
                if running {
                    jobs.refetch();
                }
            },
            std::time::Duration::from_millis(POLL_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }

    // Optionally, every file of the next batch joins a collection.
    let collections = Resource::new(|| (), |_| list_collections());
    let target = RwSignal::new(None::<uuid::Uuid>);
    view! {
        <h1>"Uploads"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                let options = collections.await.unwrap_or_default();
                (!options.is_empty()).then(|| view! {
                    <label class="inline">
                        "Add the uploads to "
                        <select on:change=move |ev| target.set(event_target_value(&ev).parse().ok())>
                            <option value="">"no collection"</option>
                            {options.into_iter().map(|s| view! {
                                <option value=s.collection.id.to_string()>{s.collection.title}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })
            })}
        </Suspense>
        <Uploader settled collection_id=target/>
        <h2>"Recent uploads"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading uploads…"</p> }>
            {move || Suspend::new(async move {
                match jobs.await {
                    Ok(jobs) if jobs.is_empty() => view! { <p class="empty">"No uploads yet."</p> }.into_any(),
                    Ok(jobs) => view! {
                        <ol class="jobs">
                            {jobs.into_iter().map(|job| view! { <JobCard job/> }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not load uploads: {e}")}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobCard(job: JobWithFiles) -> impl IntoView {
    let JobWithFiles { job, files } = job;
    let status_class = match job.status {
        UploadJobStatus::InProgress => "status in-progress",
        UploadJobStatus::Completed => "status completed",
        UploadJobStatus::CompletedWithErrors => "status with-errors",
    };
    view! {
        <li class="job" data-job-id=job.id.to_string() data-status=job.status.as_str()>
            <div class="job-head">
                <span class=status_class>{job.status.label()}</span>
                <span class="counts">
                    {format!(
                        "{} of {} completed{}",
                        job.completed_files,
                        job.total_files,
                        if job.failed_files > 0 { format!(", {} failed", job.failed_files) } else { String::new() },
                    )}
                </span>
                <time datetime=job.created_at.to_rfc3339()>{crate::model::short_utc(&job.created_at)}</time>
            </div>
            <ul class="job-files">
                {files.into_iter().map(|file| view! { <JobFile file/> }).collect_view()}
            </ul>
        </li>
    }
}

#[component]
fn JobFile(file: UploadFile) -> impl IntoView {
    view! {
        <li class="job-file" data-status=file.status.as_str()>
            <span class="name">{file.original_filename}</span>
            <span class="size">{format_size(file.size, DECIMAL)}</span>
            <span class="state">{file.status.as_str()}</span>
            {file.error.map(|e| view! { <span class="error">{e}</span> })}
        </li>
    }
}
