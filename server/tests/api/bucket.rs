//! Photos in an S3-compatible bucket: a real S3 server (moto's, from PyPI) on 127.0.0.1, two
//! server instances sharing the bucket (and PostgreSQL when reachable), nothing in their folders.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use saferounds_server::Settings;

use crate::helpers::*;

/// moto's S3 server, killed when dropped.
struct S3Server {
    child: Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_s3() -> S3Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server on PATH (pip install 'moto[server]')");
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(&server.endpoint).send().await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not start within 20 s");
}

fn in_bucket(settings: &mut Settings, s3: &S3Server) {
    settings.s3_bucket = Some("saferounds-photos".into());
    settings.s3_endpoint = Some(s3.endpoint.clone());
    settings.s3_access_key_id = Some("test".into());
    settings.s3_secret_access_key = Some("test".into());
}

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        files_under(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn photos_live_in_an_s3_bucket_shared_by_two_instances() {
    let s3 = start_s3().await;
    let client = reqwest::Client::new();
    let made = client
        .put(format!("{}/saferounds-photos", s3.endpoint))
        .send()
        .await
        .expect("create bucket");
    assert!(made.status().is_success(), "bucket: {}", made.status());

    let backend = if pg_admin_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let app = spawn_app_with(backend, |s| in_bucket(s, &s3))
        .await
        .expect("app");
    let inspector = app.login("inspector").await;
    let photo = jpeg(4242);
    let (status, hash) = app.upload(&inspector, &photo).await;
    assert_eq!(status, StatusCode::CREATED);
    let (again, _) = app.upload(&inspector, &photo).await;
    assert_eq!(again, StatusCode::OK, "a repeat upload is idempotent");

    // The object is in the bucket under its hash, and nothing was written to the folder.
    let bucket = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name("saferounds-photos")
        .with_endpoint(&s3.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .unwrap();
    let key = format!("photos/{}/{}", &hash.as_str()[..2], hash);
    let stored = object_store::ObjectStore::get(&bucket, &key.as_str().into())
        .await
        .expect("the photo is in the bucket")
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), photo.as_slice());
    assert_eq!(files_under(&app.settings.blobs), 0);

    // A second instance on the same database and bucket, with its own empty folder, serves it.
    let dir = tempfile::tempdir().unwrap();
    let mut other = app.settings.clone();
    other.blobs = dir.path().join("blobs");
    other.demo = false;
    let second = saferounds_server::launch_local(other)
        .await
        .expect("second instance");
    let sup = app.login("supervisor").await;
    let got = client
        .get(format!("http://{}/api/v1/blobs/{hash}", second.addr))
        .bearer_auth(&sup.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), photo.as_slice());

    // A photo the bucket lacks is a 404 there too, not a 500.
    let missing = photo_hash(b"never uploaded");
    let r = client
        .get(format!("http://{}/api/v1/blobs/{missing}", second.addr))
        .bearer_auth(&sup.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    second.stop().await.unwrap();
    app.stop().await;
}
