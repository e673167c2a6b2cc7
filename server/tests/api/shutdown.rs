//! Graceful shutdown: a request that is in flight when the server is told to stop still gets its
//! answer and its effect; new connections are refused afterwards.

use std::time::Duration;

use saferounds_shared::sync::{PushRequest, PushResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;
use crate::stories::walk_through;

#[tokio::test]
async fn stopping_finishes_the_request_in_flight() {
    let mut app = spawn_app(Backend::Sqlite).await.unwrap();
    let inspector = app.login("inspector").await;
    let (ops, hazards, _) = walk_through(&app, &inspector, 3).await;
    let n_ops = ops.len();
    let body = serde_json::to_vec(&PushRequest {
        device_id: inspector.device,
        ops,
    })
    .unwrap();
    let addr = app.running.as_ref().unwrap().addr;

    // Send the headers and half of the body, so the request is in the middle of being handled.
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        inspector.token,
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    conn.write_all(first).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Stop while the request waits for the rest of its body.
    let running = app.running.take().unwrap();
    let stopping = tokio::spawn(running.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !stopping.is_finished(),
        "stop waits for the request in flight"
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections once stopping"
    );

    conn.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let json_start = text.find("\r\n\r\n").unwrap() + 4;
    let resp: PushResponse = serde_json::from_str(&text[json_start..]).unwrap();
    assert_eq!(resp.results.len(), n_ops);
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("stop completes after the request")
        .unwrap()
        .unwrap();

    // After a restart the pushed hazards are there.
    app.restart_stopped().await;
    let sup = app.login("supervisor").await;
    for h in &hazards {
        let r = app.get(&sup, &format!("/api/v1/hazards/{h}")).await;
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }
    app.stop().await;
}
