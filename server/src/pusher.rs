//! Group commit for sync pushes. One task owns the writing of batches: it takes every batch that
//! is waiting and applies them in one transaction ([`store::push_group`]), so five hundred phones
//! syncing at once cost a handful of commits instead of five hundred, and the queue drains at
//! the speed of the database rather than of its round trips.

use saferounds_shared::sync::PushResponse;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::db::{Backend, Db};
use crate::error::{AppError, AppResult};
use crate::store::{self, PushJob};

/// A group stops growing at this many operations (a few pushes of the largest size).
const MAX_GROUP_OPS: usize = 2_000;

type Reply = oneshot::Sender<AppResult<PushResponse>>;

/// The handle requests push through. Cheap to clone; the task ends when the last handle is dropped.
#[derive(Clone, Debug)]
pub struct Pusher {
    queue: mpsc::Sender<(PushJob, Reply)>,
}

impl Pusher {
    /// Starts the writers: one on SQLite (it has one writing connection), a few on PostgreSQL,
    /// where groups overlap until each takes its range of the change counter.
    pub fn start(db: Db) -> Pusher {
        let (queue, rx) = mpsc::channel::<(PushJob, Reply)>(1024);
        let rx = Arc::new(Mutex::new(rx));
        let writers = match db.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 4,
        };
        for _ in 0..writers {
            let (db, rx) = (db.clone(), rx.clone());
            tokio::spawn(async move {
                while let Some(group) = next_group(&rx).await {
                    run(&db, group).await;
                }
            });
        }
        Pusher { queue }
    }

    /// Applies one device's batch; answers once the transaction that holds it has committed.
    pub async fn push(&self, job: PushJob) -> AppResult<PushResponse> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((job, reply))
            .await
            .map_err(|_| anyhow::anyhow!("the push writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the push writer dropped a batch"))?
    }
}

/// The first waiting batch (waiting for one if none is) and every batch queued behind it, up to
/// the group's size.
async fn next_group(rx: &Mutex<mpsc::Receiver<(PushJob, Reply)>>) -> Option<Vec<(PushJob, Reply)>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut n = first.0.req.ops.len();
    let mut group = vec![first];
    while n < MAX_GROUP_OPS {
        match rx.try_recv() {
            Ok(next) => {
                n += next.0.req.ops.len();
                group.push(next);
            }
            Err(_) => break,
        }
    }
    Some(group)
}

async fn run(db: &Db, group: Vec<(PushJob, Reply)>) {
    let (jobs, replies): (Vec<PushJob>, Vec<Reply>) = group.into_iter().unzip();
    match guarded(db, jobs).await {
        Some((_, Ok(answers))) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        }
        // One batch's failure must not fail the others: each is tried alone.
        Some((jobs, Err(e))) if jobs.len() > 1 => {
            tracing::warn!(error = %e, batches = jobs.len(), "group push failed; each batch alone");
            for (job, reply) in jobs.into_iter().zip(replies) {
                let answer = match guarded(db, vec![job]).await {
                    Some((_, Ok(mut answers))) => answers.pop().expect("one answer per batch"),
                    Some((_, Err(e))) => Err(e),
                    None => Err(AppError::Unexpected(anyhow::anyhow!("push failed"))),
                };
                let _ = reply.send(answer);
            }
        }
        Some((_, Err(e))) => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
        None => {
            for reply in replies {
                let _ = reply.send(Err(AppError::Unexpected(anyhow::anyhow!("push failed"))));
            }
        }
    }
}

type GroupOutcome = (Vec<PushJob>, AppResult<Vec<AppResult<PushResponse>>>);

/// Runs a group on its own task, so that a panic fails that group's requests (nothing of it is
/// committed) and not the writer.
async fn guarded(db: &Db, jobs: Vec<PushJob>) -> Option<GroupOutcome> {
    let db = db.clone();
    let task = tokio::spawn(async move {
        let result = store::push_group(&db, &jobs).await;
        (jobs, result)
    });
    match task.await {
        Ok(outcome) => Some(outcome),
        Err(e) => {
            tracing::error!(error = %e, "push group panicked");
            None
        }
    }
}
