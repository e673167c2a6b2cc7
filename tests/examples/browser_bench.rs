//! Browser benchmarks of the phone app in headless Chromium (run by `cargo xtask bench`):
//! first render from cache with the server stopped and 4× CPU throttling, saving a room visit
//! in IndexedDB, and listing N hazards (5,000 by default) offline. The app sets User Timing
//! marks (`sr-rooms-rendered`, `sr-records-loaded`, `sr-save-visit`, `sr-hazards-rendered-*`);
//! this reads them. First render is the rooms on screen; the records on the device (the N
//! hazards, the visits that mark rooms done) are read right after it, and timed too.
//!
//! Usage: `browser_bench [--hazards N] [--rounds R]` with `SAFEROUNDS_DIST` naming a built app.

use std::time::Duration;

use anyhow::Result;
use saferounds_e2e::{Browser, Server};
use saferounds_shared::api::{Bootstrap, LoginResponse};
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::{Grade, HazardReport};
use saferounds_shared::ids::{DeviceId, HazardId, OpId};
use saferounds_shared::sync::{OpBody, Operation, PushRequest, PushResponse, SCHEMA_VERSION};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// N hazards reported by the inspector through the API, in batches.
async fn seed(server: &Server, n: usize) -> Result<()> {
    let c = reqwest::Client::new();
    let login: LoginResponse = c
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "inspector", "password": "demo1234"}))
        .send()
        .await?
        .json()
        .await?;
    let boot: Bootstrap = c
        .get(server.url("/api/v1/bootstrap"))
        .bearer_auth(&login.token)
        .send()
        .await?
        .json()
        .await?;
    let device = DeviceId::from_uuid(uuid::Uuid::now_v7());
    let mut seq = 1;
    for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
        let ops: Vec<Operation> = chunk
            .iter()
            .map(|i| {
                let room = &boot.rooms[i % boot.rooms.len()];
                let id = HazardId::from_uuid(uuid::Uuid::now_v7());
                let op = Operation {
                    op_id: OpId::from_uuid(uuid::Uuid::now_v7()),
                    device_id: device,
                    device_seq: seq,
                    schema_version: SCHEMA_VERSION,
                    entity_id: id.0,
                    base_version: 0,
                    body: OpBody::ReportHazard(HazardReport {
                        id,
                        site_id: room.site_id,
                        room_id: Some(room.id),
                        department_id: Some(room.department_id),
                        round_id: None,
                        visit_id: None,
                        category: Category::ALL[i % Category::ALL.len()],
                        item_code: None,
                        description: format!("隐患 {i} 插线板串接"),
                        grade: Grade::General,
                        basis: "GB 2099.7-2024".into(),
                        found_on: boot.today,
                        deadline: None,
                        photos_before: vec![],
                        fixed_on_spot: None,
                    }),
                    recorded_at: chrono::Utc::now(),
                };
                seq += 1;
                op
            })
            .collect();
        let r: PushResponse = c
            .post(server.url("/api/v1/sync/push"))
            .bearer_auth(&login.token)
            .json(&PushRequest {
                device_id: device,
                ops,
            })
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(r.resend_from.is_none(), "seeding was refused");
    }
    Ok(())
}

async fn mark(b: &Browser, js: &str) -> Result<Option<f64>> {
    Ok(b.client.execute(js, vec![]).await?.as_f64())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let hazards = flag("--hazards", 5_000);
    let rounds = flag("--rounds", 7);
    let mut server = Server::start().await?;
    seed(&server, hazards).await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.until("navigator.serviceWorker && navigator.serviceWorker.controller !== null || (location.reload(), false)", 60).await?;
        phone.find("#room-list li.room").await?;
        phone.until_synced(300).await?;
        phone.click("#tab-hazards").await?;
        phone.until(&format!("Number(document.querySelector('#hazard-count').textContent) >= {hazards}"), 300).await?;
        phone.click("#tab-rooms").await?;

        // Everything below runs with the server stopped: the shell from the service worker,
        // the data from IndexedDB.
        server.stop().await?;

        // 1. First render from cache under 4× CPU throttling, from navigation start.
        phone.cdp("Emulation.setCPUThrottlingRate", serde_json::json!({"rate": 4})).await?;
        let (mut first, mut records) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            phone.client.refresh().await?;
            phone.until("performance.getEntriesByName('sr-rooms-rendered').length > 0 && performance.getEntriesByName('sr-records-loaded').length > 0", 60).await?;
            if let Some(ms) = mark(&phone, "return performance.getEntriesByName('sr-rooms-rendered')[0].startTime").await? {
                first.push(ms);
            }
            if let Some(ms) = mark(&phone, "return performance.getEntriesByName('sr-records-loaded')[0].startTime").await? {
                records.push(ms);
            }
        }
        phone.cdp("Emulation.setCPUThrottlingRate", serde_json::json!({"rate": 1})).await?;

        // 2. Listing the hazards offline: from the tap on the tab to the list on screen.
        let mut list = Vec::new();
        for _ in 0..rounds {
            phone.find("#room-list").await?;
            phone.client.execute("performance.clearMarks(); performance.mark('sr-hazards-click'); document.querySelector('#tab-hazards').click();", vec![]).await?;
            phone.until("performance.getEntriesByType('mark').some(m => m.name.startsWith('sr-hazards-rendered'))", 60).await?;
            if let Some(ms) = mark(&phone, "const m = performance.getEntriesByType('mark'); return m.find(x => x.name.startsWith('sr-hazards-rendered')).startTime - m.find(x => x.name === 'sr-hazards-click').startTime").await? {
                list.push(ms);
            }
            phone.click("#tab-rooms").await?;
        }

        // 3. Saving a room visit (every item answered), to the record and the view refreshed.
        let mut save = Vec::new();
        for i in 0..rounds {
            phone.find("#room-list li.room").await?;
            phone.client.execute(&format!("performance.clearMeasures(); document.querySelectorAll('#room-list li.room')[{i}].querySelector('button').click()"), vec![]).await?;
            phone.find(".item").await?;
            phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click()); document.querySelector('#save-visit').click();", vec![]).await?;
            phone.until("performance.getEntriesByName('sr-save-visit').length > 0", 30).await?;
            if let Some(ms) = mark(&phone, "return performance.getEntriesByName('sr-save-visit')[0].duration").await? {
                save.push(ms);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        println!("[browser] first render from cache, 4x CPU throttling: median {:.0} ms ({} rounds)", median(first), rounds);
        println!("[browser] the {hazards} hazards and the visits read from IndexedDB, 4x CPU throttling: median {:.0} ms", median(records));
        println!("[browser] list {hazards} hazards offline (sorted, the first 100 on screen): median {:.0} ms", median(list));
        println!("[browser] save a room visit: median {:.1} ms", median(save));
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    let _ = server.stop().await;
    result
}
