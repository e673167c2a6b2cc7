//! Browser tests in real headless Chromium against the real server and the optimised app.

use std::time::Duration;

use anyhow::Context;

use fantoccini::Locator;
use saferounds_e2e::{Browser, Server, labels, second_test_image, test_image};

/// The first vertical slice: log in as the demo inspector and see the rooms of their station,
/// in Chinese.
#[tokio::test]
async fn inspector_logs_in_and_sees_station_rooms_in_chinese() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let browser = Browser::start().await?;
    let result = async {
        browser.login(&server.url("/"), "inspector").await?;
        browser.find("#room-list li.room").await?;
        let text = browser.text("#room-list").await?;
        for room in ["值班调度室", "氧气瓶存放间", "车库", "值班宿舍（男）"] {
            assert!(text.contains(room), "missing {room} in {text}");
        }
        assert!(!text.contains("中心机房"), "a headquarters room is shown to a station inspector");
        let rooms = browser.client.find_all(Locator::Css("#room-list li.room")).await?;
        assert_eq!(rooms.len(), 10, "the east station has nine rooms and its ambulance");
        assert!(browser.text("header").await?.contains("安巡"));
        assert!(browser.text("#stored").await?.contains("MB"), "how much is stored on the device is shown");
        assert_eq!(browser.client.execute("return document.documentElement.lang", vec![]).await?, "zh-CN");
        // The English switch.
        browser.click("#lang").await?;
        browser.until("document.querySelector('#room-list li .room-name').textContent.includes('Duty room') || document.body.textContent.includes('Garage')", 10).await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    server.stop().await?;
    result
}

/// A wrong password shows a readable error in Chinese.
#[tokio::test]
async fn wrong_password_shows_a_clear_error() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let browser = Browser::start().await?;
    let result = async {
        browser.client.goto(&server.url("/")).await?;
        browser
            .find("#username")
            .await?
            .send_keys("inspector")
            .await?;
        browser
            .find("#password")
            .await?
            .send_keys("wrong-password")
            .await?;
        browser.click("#login").await?;
        let msg = browser.text("#login-error").await?;
        assert!(msg.contains("用户名或密码不正确"), "{msg}");
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    server.stop().await?;
    result
}

/// The offline story, for real: load online, stop the server, reload (the service worker serves
/// the app), walk a room with a failed item and a photo, close and reopen the page, start the
/// server, sync, and find exactly the expected hazard and photo on the server.
#[tokio::test]
async fn offline_walk_through_survives_reload_and_syncs_once() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let browser = Browser::start().await?;
    let base = server.url("/");
    let result = async {
        browser.login(&base, "inspector").await?;
        browser.find("#room-list li.room").await?;
        browser.until("navigator.serviceWorker && navigator.serviceWorker.controller !== null || (location.reload(), false)", 30).await?;
        browser.find("#room-list li.room").await?;
        browser.until_synced(20).await?;

        server.stop().await?;
        assert!(reqwest::get(server.url("/api/health")).await.is_err(), "the server is really down");
        browser.client.refresh().await?;
        browser.find("#room-list li.room").await?;
        // The camera module was never used online: the service worker fetched it after the
        // shell, so the scanner opens offline too.
        browser.click("#scan").await?;
        browser.until("document.querySelector('.cam .cam-hint')?.textContent.includes('无法使用相机')", 20).await?;
        browser.click("#cam-cancel").await?;

        // Walk the oxygen store: first item fails with a photo and a note, second passes.
        browser.client.execute("[...document.querySelectorAll('#room-list li.room')].find(li => li.textContent.includes('氧气瓶存放间')).querySelector('button').click()", vec![]).await?;
        assert!(browser.text("#visit-room").await?.contains("氧气瓶存放间"));
        let items = browser.client.find_all(Locator::Css(".item")).await?;
        assert!(items.len() >= 4);
        browser.client.execute("const i = document.querySelectorAll('.item'); i[0].querySelector('[data-answer=fail]').click(); i[1].querySelector('[data-answer=pass]').click();", vec![]).await?;
        let photo = browser.find(".fail-photo").await?;
        photo.send_keys(&test_image().display().to_string()).await?;
        browser.until("document.querySelectorAll('.thumbs img').length === 1", 15).await?;
        // The same picture again is not a second photo; another one is.
        browser.find(".fail-photo").await?.send_keys(&test_image().display().to_string()).await?;
        browser.find(".fail-photo").await?.send_keys(&second_test_image().display().to_string()).await?;
        browser.until("document.querySelectorAll('.thumbs img').length === 2", 15).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(browser.client.execute("return document.querySelectorAll('.thumbs img').length", vec![]).await?, 2);
        browser.find(".fail-note").await?.send_keys("气瓶未固定").await?;
        browser.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        browser.until_visit_saved().await?;
        let pending = browser.text("#pending").await?;
        assert!(pending.contains("待上传"), "{pending}");

        // Close and reopen the page: everything is still there. The rooms come first, the
        // records on the device right after; the status bar never says "all sent" meanwhile
        // (every text it shows from the page's start is recorded).
        browser.cdp("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({"source": "window.__pending = []; new MutationObserver(() => { const e = document.querySelector('#pending'); if (e && window.__pending[window.__pending.length - 1] !== e.textContent) window.__pending.push(e.textContent); }).observe(document, { subtree: true, childList: true, characterData: true });"})).await?;
        browser.client.goto("about:blank").await?;
        browser.client.goto(&base).await?;
        browser.until("document.querySelector('#room-list li.room') && !document.querySelector('#reading-records')", 20).await?;
        let pending_after = browser.text("#pending").await?;
        assert_eq!(pending_after, pending, "the outbox survived");
        let shown: Vec<String> = serde_json::from_value(browser.client.execute("return window.__pending", vec![]).await?)?;
        assert!(!shown.is_empty() && !shown.iter().any(|t| t.contains("已全部上传")), "the status bar while the page opened: {shown:?}");
        let done = browser.text("#room-list").await?;
        assert!(done.contains("今日已查"), "the visited room is marked: {done}");

        // Back online: sync, then check the server has exactly one hazard with its photos. The
        // status bar counts the photos while they go up (every text it shows is recorded).
        browser.client.execute("window.__progress = []; new MutationObserver(() => { const e = document.querySelector('#sync-progress'); if (e && window.__progress[window.__progress.length - 1] !== e.textContent) window.__progress.push(e.textContent); }).observe(document.body, { subtree: true, childList: true, characterData: true });", vec![]).await?;
        server.restart().await?;
        browser.click("#sync").await?;
        browser.until_synced(30).await?;
        let shown: Vec<String> = serde_json::from_value(browser.client.execute("return window.__progress", vec![]).await?)?;
        let at = |t: &str| shown.iter().rposition(|s| s == t);
        assert!(matches!((at("上传照片 1/2"), at("上传照片 2/2")), (Some(a), Some(b)) if a < b), "photo progress: {shown:?}");
        assert!(browser.client.find(Locator::Css("#sync-progress")).await.is_err(), "no progress once done");
        browser.click("#sync").await?; // a second sync must not duplicate anything
        tokio::time::sleep(Duration::from_millis(500)).await;
        let token = server.token("supervisor").await?;
        let ledger = server.get_json(&token, "/api/v1/hazards").await?;
        assert_eq!(ledger["total"], 1, "{ledger}");
        let h = &ledger["rows"][0];
        assert!(h["description"].as_str().unwrap().contains("气瓶未固定"));
        assert_eq!(h["photos_before"].as_array().unwrap().len(), 2);
        for photo in h["photos_before"].as_array().unwrap() {
            let photo = photo.as_str().unwrap();
            let r = reqwest::Client::new().get(server.url(&format!("/api/v1/blobs/{photo}"))).bearer_auth(&token).send().await?;
            assert_eq!(r.status(), 200);
            let bytes = r.bytes().await?;
            assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "stored as a JPEG after downscaling");
        }
        let detail = server.get_json(&token, &format!("/api/v1/hazards/{}", h["id"].as_str().unwrap())).await?;
        assert_eq!(detail["audit"].as_array().unwrap().len(), 1, "reported exactly once");
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    server.stop().await?;
    result
}

/// A rectification owner and a verifier finish the loop from their phones.
#[tokio::test]
async fn owner_and_verifier_close_the_loop_on_their_phones() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(&server, "值班室插线板串接").await?;
    let base = server.url("/");
    let owner = Browser::start().await?;
    let result = async {
        owner.login(&base, "owner").await?;
        // An owner has no rooms to walk: the app opens at their hazards.
        owner
            .until("document.querySelector('#tab-hazards') && document.querySelector('#tab-hazards').classList.contains('on') && !document.querySelector('#room-list')", 10)
            .await?;
        owner.click("#tab-hazards").await?;
        // The hazard is on the list once the first sync after login has pulled it.
        owner.find(&format!("[data-hazard=\"{id}\"] button")).await?;
        owner
            .client
            .execute(
                &format!("document.querySelector('[data-hazard=\"{id}\"] button').click()"),
                vec![],
            )
            .await?;
        assert!(owner.text("#hazard-title").await?.contains("插线板串接"));
        // First an extension request (the deadline moves only when a supervisor approves).
        let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
        owner.client.execute(
            &format!("document.querySelector('details.extension').open = true; const d = document.querySelector('#ext-date'); d.value = '{later}'; d.dispatchEvent(new Event('input', {{bubbles: true}})); const r = document.querySelector('#ext-reason'); r.value = '等待采购插线板'; r.dispatchEvent(new Event('input', {{bubbles: true}})); document.querySelector('#do-extend').click();"),
            vec![],
        ).await?;
        owner.until("document.querySelector('#pending').textContent.includes('已全部上传') && !document.querySelector('details.extension')", 30).await?;
        owner.click("#do-start").await?;
        owner
            .until(
                "document.querySelector('#hazard-status').dataset.status === 'rectifying'",
                10,
            )
            .await?;
        owner
            .find("#done-text")
            .await?
            .send_keys("已更换为带过载保护的插线板")
            .await?;
        owner
            .find("#after-photo")
            .await?
            .send_keys(&test_image().display().to_string())
            .await?;
        owner
            .until(
                "document.querySelector('#actions').textContent.includes('📷 1')",
                15,
            )
            .await?;
        owner.click("#do-submit").await?;
        owner
            .until(
                "document.querySelector('#hazard-status').dataset.status === 'awaiting_recheck'",
                10,
            )
            .await?;
        owner
            .until_synced(30)
            .await?;
        anyhow::Ok(())
    }
    .await;
    owner.close().await;
    result?;
    assert_eq!(
        saferounds_e2e::api::status_of(&server, id).await?,
        "awaiting_recheck"
    );
    let sup = server.login("supervisor").await?;
    let detail = server
        .get_json(&sup.token, &format!("/api/v1/hazards/{id}"))
        .await?;
    assert_eq!(
        detail["hazard"]["extension"]["reason"], "等待采购插线板",
        "the extension request reached the server"
    );

    let verifier = Browser::start().await?;
    let result = async {
        verifier.login(&base, "verifier").await?;
        verifier.click("#tab-hazards").await?;
        // The hazard is on the list once the first sync after login has pulled it.
        verifier.find(&format!("[data-hazard=\"{id}\"] button")).await?;
        verifier
            .client
            .execute(
                &format!("document.querySelector('[data-hazard=\"{id}\"] button').click()"),
                vec![],
            )
            .await?;
        // The timeline from the audit trail, and the owner's after photo, before deciding.
        verifier.until("document.querySelectorAll('#timeline li').length === 5 && document.querySelector('#timeline').textContent.includes('申请延期') && document.querySelector('#timeline').textContent.includes('提交复查')", 15).await?;
        verifier.until("document.querySelectorAll('#timeline img.after').length === 1 && document.querySelector('#timeline img.after').naturalWidth > 0", 15).await?;
        verifier.click("#do-pass").await?;
        verifier
            .until(
                "document.querySelector('#hazard-status').dataset.status === 'closed'",
                10,
            )
            .await?;
        verifier
            .until_synced(30)
            .await?;
        anyhow::Ok(())
    }
    .await;
    verifier.close().await;
    result?;
    assert_eq!(saferounds_e2e::api::status_of(&server, id).await?, "closed");
    server.stop().await?;
    Ok(())
}

/// An operation the server refuses is shown to the user in plain words, and nothing else is lost.
#[tokio::test]
async fn a_rejected_operation_is_shown_to_the_user() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(&server, "配电间门前堆放杂物").await?;
    let base = server.url("/");
    let owner = Browser::start().await?;
    let result = async {
        owner.login(&base, "owner").await?;
        owner.click("#tab-hazards").await?;
        owner.find(&format!("[data-hazard=\"{id}\"]")).await?;
        // Offline, the owner starts rectification…
        server.stop().await?;
        owner.client.execute(&format!("document.querySelector('[data-hazard=\"{id}\"] button').click()"), vec![]).await?;
        owner.click("#do-start").await?;
        owner.until("document.querySelector('#pending').textContent.includes('待上传 1')", 10).await?;
        owner.until("document.querySelector('.status').textContent.includes('无法连接服务器') && !document.querySelector('#sync').disabled", 10).await?;
        // …while the supervisor voids the hazard on the server.
        server.restart().await?;
        let sup = server.login("supervisor").await?;
        let void = saferounds_shared::sync::OpBody::Transition {
            from: saferounds_shared::hazard::Status::Registered,
            event: saferounds_shared::hazard::Event::Void { reason: saferounds_shared::ids::Reason::parse("重复登记")? },
        };
        let r = sup.push_one(id.0, 2, void).await?;
        assert_eq!(r.results[0].outcome, saferounds_shared::sync::Outcome::Applied, "the void lands first");
        owner.click("#sync").await?;
        if owner.find("#rejected").await.is_err() {
            anyhow::bail!("no rejection shown; page says: {}", owner.body().await?);
        }
        let msg = owner.text("#rejected").await?;
        assert!(msg.contains("已作废"), "the reason names the current state: {msg}");
        assert!(msg.contains("「配电间门前堆放杂物」"), "and the hazard it was about: {msg}");
        owner.until_synced(10).await?;
        owner.until("document.querySelector('#hazard-status').dataset.status === 'voided'", 10).await?;
        anyhow::Ok(())
    }
    .await;
    owner.close().await;
    server.stop().await?;
    result
}

/// The desk: the dashboard shows the figures the data implies, the ledger filters; an inspector
/// gets neither the dashboard nor its API.
#[tokio::test]
async fn supervisor_desk_shows_what_the_data_implies() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    saferounds_e2e::api::registered_hazard(&server, "车库电动车充电").await?;
    let h = saferounds_e2e::api::registered_hazard(&server, "药品库酒精未密闭").await?;
    let sup = server.login("supervisor").await?;
    let owner = server.login("owner").await?;
    let measure = saferounds_shared::lists::Measure {
        id: saferounds_shared::ids::MeasureId::from_uuid(uuid::Uuid::now_v7()),
        campaign_id: None,
        title: "危险化学品存放管理规定".into(),
        kind: saferounds_shared::lists::MeasureKind::Amend,
        description: "酒精等易燃液体少量存放、密闭".into(),
        department_id: owner
            .user
            .department_id
            .context("the owner has a department")?,
        owner_id: None,
        deadline: chrono::Utc::now().date_naive() + chrono::Duration::days(20),
        status: saferounds_shared::lists::MeasureStatus::Planned,
        hazard_ids: vec![h],
        done_on: None,
        version: 0,
    };
    sup.push_one(
        measure.id.0,
        0,
        saferounds_shared::sync::OpBody::SaveMeasure(measure),
    )
    .await?;
    let base = server.url("/");
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        let found = desk.text("#kpi-found").await?;
        let token = server.token("supervisor").await?;
        let ledger = server.get_json(&token, "/api/v1/hazards").await?;
        assert_eq!(found, ledger["total"].to_string(), "found = the ledger's total");
        assert_eq!(desk.text("#kpi-closed").await?, "0");
        assert_eq!(desk.text("#kpi-open").await?, found);
        desk.click("#tab-desk").await?;
        assert!(desk.text("#ledger-total").await?.contains(&format!("共 {found}")));
        let search = desk.find("input[type=text]").await?;
        search.send_keys("酒精\n").await?;
        desk.until("document.querySelector('#ledger-total') && document.querySelector('#ledger-total').textContent.includes('共 1')", 10).await?;
        assert!(desk.text("#ledger").await?.contains("药品库酒精未密闭"));
        desk.click("#tab-measures_list").await?;
        desk.until("document.querySelector('table.measures') && document.querySelector('table.measures').textContent.includes('危险化学品存放管理规定')", 10).await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    result?;
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list").await?;
        assert!(
            phone
                .client
                .find(fantoccini::Locator::Css("#tab-dashboard"))
                .await
                .is_err(),
            "no dashboard tab for an inspector"
        );
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// The desk ledger pages through every hazard: 53 reported, the first page shows 1–50 with only
/// "next" enabled, the second the last 3 with only "previous", and the two pages together are
/// exactly the 53 hazards.
#[tokio::test]
async fn the_ledger_pages_through_every_hazard() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let descriptions: Vec<String> = (1..=53).map(|i| format!("第{i}号插线板串接")).collect();
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    saferounds_e2e::api::reported_hazards(&server, &refs).await?;
    let base = server.url("/");
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let rows = "return Array.from(document.querySelectorAll('#ledger tbody tr a')).map(a => a.textContent)";
    let disabled =
        "return ['#ledger-prev', '#ledger-next'].map(s => document.querySelector(s).disabled)";
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.click("#tab-desk").await?;
        desk.until("document.querySelector('#ledger-total') && document.querySelector('#ledger-total').textContent.includes('1–50')", 20).await?;
        assert!(desk.text("#ledger-total").await?.contains("共 53"));
        let first: Vec<String> = serde_json::from_value(desk.client.execute(rows, vec![]).await?)?;
        assert_eq!(first.len(), 50);
        assert_eq!(desk.client.execute(disabled, vec![]).await?, serde_json::json!([true, false]));
        desk.click("#ledger-next").await?;
        desk.until("document.querySelector('#ledger-total') && document.querySelector('#ledger-total').textContent.includes('51–53')", 20).await?;
        let second: Vec<String> = serde_json::from_value(desk.client.execute(rows, vec![]).await?)?;
        assert_eq!(second.len(), 3);
        assert_eq!(desk.client.execute(disabled, vec![]).await?, serde_json::json!([false, true]));
        let mut all: Vec<String> = first.into_iter().chain(second).collect();
        all.sort();
        let mut expected = descriptions.clone();
        expected.sort();
        assert_eq!(all, expected, "every hazard once across the two pages");
        desk.click("#ledger-prev").await?;
        desk.until("document.querySelector('#ledger-total') && document.querySelector('#ledger-total').textContent.includes('1–50')", 20).await?;
        // A text filter travels in the query string (Chinese, URL-encoded) and narrows the rows.
        desk.client
            .execute(
                "const t = document.querySelector('.filters input[type=text]'); t.value = '第17号'; t.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![],
            )
            .await?;
        desk.until("document.querySelector('#ledger-total') && document.querySelector('#ledger-total').textContent.includes('共 1')", 20).await?;
        let found: Vec<String> = serde_json::from_value(desk.client.execute(rows, vec![]).await?)?;
        assert_eq!(found, ["第17号插线板串接"]);
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    server.stop().await?;
    result
}

/// An inspector's phone runs the phone module and never fetches the desk module; opening the
/// ledger hands over to the desk module, which the service worker then keeps: with the server
/// stopped, a reload still opens the ledger.
#[tokio::test]
async fn the_desk_module_loads_when_a_desk_page_is_opened_and_stays_offline() -> anyhow::Result<()>
{
    let mut server = Server::start().await?;
    let browser = Browser::start().await?;
    let base = server.url("/");
    let result = async {
        browser.login(&base, "inspector").await?;
        browser.find("#room-list li.room").await?;
        browser.until("navigator.serviceWorker && navigator.serviceWorker.controller !== null || (location.reload(), false)", 30).await?;
        browser.find("#room-list li.room").await?;
        assert_eq!(browser.until("window.__srModule", 5).await?, "phone");
        let desk_fetched = "performance.getEntriesByType('resource').some(e => e.name.includes('/pkg/desk'))";
        assert_eq!(browser.client.execute(&format!("return {desk_fetched}"), vec![]).await?, false);

        browser.click("#tab-desk").await?;
        browser.until("window.__srModule === 'desk' && document.querySelector('#ledger-total') !== null", 30).await?;
        assert!(browser.text("#ledger-total").await?.contains('共'));

        server.stop().await?;
        assert!(reqwest::get(server.url("/api/health")).await.is_err(), "the server is really down");
        browser.client.refresh().await?;
        // The desk module came from the service worker's cache; it opens at the inspector's
        // rooms, and its ledger (which asks the server) says it needs the network.
        browser.until("window.__srModule === 'desk' && document.querySelector('#room-list') !== null", 30).await?;
        browser.click("#tab-desk").await?;
        browser.find("#f-sort").await?;
        assert!(browser.body().await?.contains("联网"), "the ledger says it needs the network");
        // Exporting offline says why nothing is downloaded (it used to do nothing at all).
        let before = browser.client.execute("return document.querySelectorAll('.error').length", vec![]).await?;
        browser.click("#export-xlsx").await?;
        browser
            .until(&format!("document.querySelectorAll('.error').length > {before}"), 10)
            .await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    result
}

/// The built app is served with the right types and cache rules, and a missing asset is a 404,
/// never HTML a service worker would cache in its place.
#[tokio::test]
async fn static_files_have_types_and_cache_rules() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let result = async {
        let c = reqwest::Client::new();
        let index = c.get(server.url("/")).send().await?;
        assert_eq!(index.headers()["cache-control"], "no-cache");
        let html = index.text().await?;
        assert!(html.contains("/boot.js"));
        let boot = c.get(server.url("/boot.js")).send().await?.text().await?;
        // Three modules: the phone module first, then the desk module, then the camera module.
        let wasm_paths: Vec<&str> = boot
            .split("wasm: \"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert_eq!(
            wasm_paths.len(),
            3,
            "phone, desk and camera modules in boot.js"
        );
        for path in &wasm_paths {
            let wasm = c.get(server.url(path)).send().await?;
            assert_eq!(wasm.headers()["content-type"], "application/wasm");
            assert!(
                wasm.headers()["cache-control"]
                    .to_str()?
                    .contains("immutable")
            );
        }
        // Compressed at build time and sent as is: gzip (Zopfli) or Brotli, whichever the
        // browser accepts, the same bytes once decoded.
        let phone_wasm = c.get(server.url(wasm_paths[0])).send().await?;
        assert!(phone_wasm.headers().get("content-encoding").is_none());
        let plain = phone_wasm.bytes().await?;
        let gz = c
            .get(server.url(wasm_paths[0]))
            .header("accept-encoding", "gzip")
            .send()
            .await?;
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        assert_eq!(gz.headers()["content-type"], "application/wasm");
        assert_eq!(gz.headers()["vary"], "accept-encoding");
        let gz = gz.bytes().await?;
        let mut unzipped = vec![];
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)?;
        assert_eq!(unzipped, plain, "the gzip file is the module");
        let br = c
            .get(server.url(wasm_paths[0]))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await?;
        assert_eq!(br.headers()["content-encoding"], "br");
        assert!(br.bytes().await?.len() < gz.len(), "Brotli is the smaller");
        let nav = c
            .get(server.url("/rooms"))
            .header("accept-encoding", "gzip")
            .send()
            .await?;
        assert_eq!(
            nav.headers()["content-encoding"],
            "gzip",
            "the app page too"
        );
        let sw = c.get(server.url("/sw.js")).send().await?;
        assert_eq!(sw.headers()["cache-control"], "no-cache");
        let sw = sw.text().await?;
        assert!(
            sw.contains(wasm_paths[0]),
            "the precache list names the hashed phone module"
        );
        assert!(
            !sw.contains(wasm_paths[1]),
            "the desk module is not precached: a phone never downloads it"
        );
        // The camera module is fetched after the shell (`LATER`), not with it.
        let (precache, later) = sw
            .split_once("const LATER")
            .ok_or_else(|| anyhow::anyhow!("the worker has a list for after the shell"))?;
        assert!(
            !precache.contains(wasm_paths[2]) && later.contains(wasm_paths[2]),
            "{sw}"
        );
        let manifest = c.get(server.url("/manifest.webmanifest")).send().await?;
        assert_eq!(
            manifest.headers()["content-type"],
            "application/manifest+json"
        );
        let m: serde_json::Value = manifest.json().await?;
        assert_eq!(m["short_name"], "安巡");
        assert_eq!(m["display"], "standalone");
        assert_eq!(
            c.get(server.url("/pkg/app-missing.js"))
                .send()
                .await?
                .status(),
            404
        );
        let nav = c.get(server.url("/hazards/some-deep-link")).send().await?;
        assert_eq!(nav.status(), 200, "navigations fall back to the app");
        assert!(
            nav.headers()["content-security-policy"]
                .to_str()?
                .contains("script-src 'self'")
        );
        anyhow::Ok(())
    }
    .await;
    server.stop().await?;
    result
}

/// axe-core finds no serious or critical accessibility violation on the main screens: login,
/// the phone's rooms, a room's checklist, hazards; the desk's dashboard, ledger, lists and a
/// hazard's detail.
#[tokio::test]
async fn main_screens_pass_axe() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let h = saferounds_e2e::api::registered_hazard(&server, "配电室插线板串接").await?;
    let base = server.url("/");
    let mut report: Vec<String> = Vec::new();
    let phone = Browser::start().await?;
    let result = async {
        phone.client.goto(&base).await?;
        phone.find("#username").await?;
        report.extend(
            phone
                .axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("login: {v}")),
        );
        phone.login(&base, "inspector").await?;
        phone.find("#room-list").await?;
        report.extend(
            phone
                .axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("rooms: {v}")),
        );
        // The scanner's sheet (this browser has no camera: its photo fallback).
        phone.click("#scan").await?;
        phone
            .until(
                "document.querySelector('.cam .cam-hint')?.textContent.includes('无法使用相机')",
                20,
            )
            .await?;
        report.extend(
            phone
                .axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("scan: {v}")),
        );
        phone.click("#cam-cancel").await?;
        phone
            .find("#room-list li.room button")
            .await?
            .click()
            .await?;
        phone.find(".item").await?;
        report.extend(
            phone
                .axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("visit: {v}")),
        );
        phone.click("#tab-hazards").await?;
        phone
            .until("document.querySelector('main') !== null", 10)
            .await?;
        report.extend(
            phone
                .axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("hazards: {v}")),
        );
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    result?;
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.find("#kpis").await?;
        desk.find("#coverage").await?;
        report.extend(
            desk.axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("dashboard: {v}")),
        );
        desk.click("#tab-desk").await?;
        desk.find("#ledger").await?;
        report.extend(
            desk.axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("ledger: {v}")),
        );
        desk.find(&format!("tr[data-hazard='{h}'] a"))
            .await?
            .click()
            .await?;
        desk.until("document.body.textContent.includes('配电室插线板串接')", 10)
            .await?;
        report.extend(
            desk.axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("detail: {v}")),
        );
        desk.click("#tab-measures_list").await?;
        desk.find("#export-measures").await?;
        desk.until("document.querySelector('.loading') === null", 10)
            .await?;
        report.extend(
            desk.axe_violations()
                .await?
                .into_iter()
                .map(|v| format!("lists: {v}")),
        );
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    server.stop().await?;
    result?;
    assert!(
        report.is_empty(),
        "accessibility violations:\n{}",
        report.join("\n")
    );
    Ok(())
}

/// The desk's campaign and registers: phases are listed; a supervisor records a training class
/// with its attendance, coverage moves from 0 to 50 %, and the server has exactly that class.
#[tokio::test]
async fn supervisor_records_a_training_class() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let token = server.token("supervisor").await?;
    let client = reqwest::Client::new();
    let today = chrono::Utc::now().date_naive();
    let mut ids = Vec::new();
    for name in ["王一", "李二"] {
        let id = uuid::Uuid::now_v7();
        ids.push(id);
        let r = client
            .put(server.url(&format!("/api/v1/staff/{id}")))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "id": id, "name": name, "department_id": null, "site_id": null,
                "hired_on": today - chrono::Duration::days(100), "post_changed_on": null, "active": true
            }))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "roster: {}", r.status());
    }
    let base = server.url("/");
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.click("#tab-registers").await?;
        desk.find("#campaign").await?;
        assert!(desk.text("#campaign").await?.contains("专项整治"));
        assert_eq!(desk.text("#training-coverage").await?, "0%");
        desk.find("#class-topic").await?.send_keys("灭火器使用实操").await?;
        desk.find(&format!("input[data-staff='{}']", ids[0])).await?.click().await?;
        desk.click("#save-class").await?;
        desk.until("document.querySelector('#training-coverage') && document.querySelector('#training-coverage').textContent === '50%'", 10).await?;
        assert!(desk.text("#classes").await?.contains("灭火器使用实操"));
        // A third person on the roster, a drill with one participant, an extinguisher.
        desk.find("#person-name").await?.send_keys("张三").await?;
        desk.click("#save-person").await?;
        desk.until("document.querySelector('#training-coverage').textContent === '33%'", 10).await?;
        choose(&desk, "#drill-site", 1).await?;
        desk.find(&format!("input[data-drill-staff='{}']", ids[1])).await?.click().await?;
        desk.click("#save-drill").await?;
        desk.until("document.querySelectorAll('#drills li').length === 1", 10).await?;
        choose(&desk, "#eq-room", 1).await?;
        desk.find("#eq-serial").await?.send_keys("MFZ/ABC4-2026").await?;
        desk.click("#save-equipment").await?;
        desk.until("document.querySelector('#equipment-register').textContent.includes('MFZ/ABC4-2026')", 10).await?;
        let violations = desk.axe_violations().await?;
        assert!(violations.is_empty(), "registers screen: {violations:?}");
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    let classes = server.get_json(&token, "/api/v1/training/classes").await?;
    let drills = server.get_json(&token, "/api/v1/drills").await?;
    let staff = server.get_json(&token, "/api/v1/staff").await?;
    let equipment = server.get_json(&token, "/api/v1/equipment").await?;
    server.stop().await?;
    result?;
    assert_eq!(staff.as_array().map(Vec::len), Some(3));
    assert_eq!(drills[0]["participants"], serde_json::json!([ids[1]]));
    assert_eq!(equipment[0]["serial"], "MFZ/ABC4-2026");
    let list = classes.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "exactly one class saved: {classes}");
    assert_eq!(list[0]["attendees"], serde_json::json!([ids[0]]));
    Ok(())
}

/// A supervisor registers a reported hazard at the desk (the form is also checked with axe; an
/// amount of funds with three decimals is refused, one with a thousands separator is taken
/// exactly); the inspector's phone, which loaded before, sees it registered after a sync.
#[tokio::test]
async fn desk_registers_and_the_phone_sees_it_after_sync() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::reported_hazard(&server, "走廊应急灯不亮").await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.click("#tab-hazards").await?;
        phone
            .until(
                &format!("document.querySelector('[data-hazard=\"{id}\"]') && document.querySelector('[data-hazard=\"{id}\"]').dataset.status === 'reported'"),
                20,
            )
            .await?;

        desk.login(&base, "supervisor").await?;
        desk.click("#tab-desk").await?;
        desk.find(&format!("tr[data-hazard='{id}'] a")).await?.click().await?;
        desk.find("#reg-measures").await?;
        let violations = desk.axe_violations().await?;
        assert!(violations.is_empty(), "registration form: {violations:?}");
        desk.find("#reg-measures").await?.send_keys("更换应急灯电池").await?;
        let owner = server.get_json(&server.token("owner").await?, "/api/v1/me").await?;
        let owner_id = owner["id"].as_str().unwrap_or_default().to_owned();
        desk.client
            .execute(
                &format!("const s = document.querySelector('#reg-owner'); s.value = '{owner_id}'; s.dispatchEvent(new Event('change', {{bubbles: true}}));"),
                vec![],
            )
            .await?;
        // Due today, so the owner is reminded.
        let today = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        desk.client
            .execute(
                &format!("const d = document.querySelector('#reg-deadline'); d.value = '{today}'; d.dispatchEvent(new Event('input', {{bubbles: true}}));"),
                vec![],
            )
            .await?;
        // Funds as people type them: three decimals are refused with what to enter, nothing is
        // registered; then a sum with a thousands separator is taken exactly.
        desk.find("#reg-funds").await?.send_keys("12.345").await?;
        desk.click("#do-register").await?;
        desk.until(
            "document.querySelector('#action-error') && document.querySelector('#action-error').textContent.includes('金额不正确')",
            10,
        )
        .await?;
        assert_eq!(
            desk.client
                .execute("return document.querySelector('#hazard-status').dataset.status", vec![])
                .await?,
            serde_json::json!("reported")
        );
        desk.find("#reg-funds").await?.clear().await?;
        desk.find("#reg-funds").await?.send_keys("1,200.50").await?;
        desk.click("#do-register").await?;
        desk.until(
            "document.querySelector('#hazard-status').dataset.status === 'registered'",
            10,
        )
        .await?;
        desk.until_synced(30)
        .await?;
        let registered = server
            .get_json(&server.token("supervisor").await?, &format!("/api/v1/hazards/{id}"))
            .await?;
        assert_eq!(registered["hazard"]["funds"], serde_json::json!(120_050), "{registered}");

        phone.click("#sync").await?;
        phone
            .until(
                &format!("document.querySelector('[data-hazard=\"{id}\"]').dataset.status === 'registered'"),
                30,
            )
            .await?;
        // The owner's phone reminds them, offline-capable (computed on the phone).
        let owner_phone = Browser::start().await?;
        let reminded = async {
            owner_phone.login(&base, "owner").await?;
            owner_phone.click("#tab-hazards").await?;
            owner_phone
                .until("document.querySelector('#my-reminders') && document.querySelector('#my-reminders').textContent.includes('今日到期')", 30)
                .await?;
            assert!(owner_phone.text("#my-reminders").await?.contains("走廊应急灯不亮"));
            anyhow::Ok(())
        }
        .await;
        owner_phone.close().await;
        reminded?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    desk.close().await;
    let status = saferounds_e2e::api::status_of(&server, id).await;
    server.stop().await?;
    result?;
    assert_eq!(status?, "registered");
    Ok(())
}

/// Picks the option at `index` of a select and tells the app, as a user's choice would.
async fn choose(b: &Browser, css: &str, index: usize) -> anyhow::Result<()> {
    b.find(css).await?;
    b.client
        .execute(
            &format!("const s = document.querySelector('{css}'); s.selectedIndex = {index}; s.dispatchEvent(new Event('change', {{bubbles: true}}));"),
            vec![],
        )
        .await?;
    Ok(())
}

/// Sets a form control's value as typing would (an `input` event).
async fn fill(b: &Browser, css: &str, value: &str) -> anyhow::Result<()> {
    b.find(css).await?;
    b.client
        .execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await?;
    Ok(())
}

/// A rectification owner changes the record on the phone — only the fields they may change are
/// offered, a bad amount is refused with the field named and nothing recorded — and adds a
/// note; both reach the server.
#[tokio::test]
async fn an_owner_changes_the_record_and_adds_a_note() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(&server, "值班室插线板串接").await?;
    let base = server.url("/");
    let token = server.token("supervisor").await?;
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "owner").await?;
        phone.click("#tab-hazards").await?;
        phone.find(&format!("[data-hazard=\"{id}\"] button")).await?;
        phone.client.execute(&format!("document.querySelector('[data-hazard=\"{id}\"] button').click()"), vec![]).await?;
        phone.find("#edit-fields").await?;
        phone.client.execute("document.querySelector('#edit-fields').open = true", vec![]).await?;
        let offered = phone
            .client
            .execute("return Array.from(document.querySelectorAll('#edit-fields [id^=edit-]')).map(e => e.id)", vec![])
            .await?;
        assert_eq!(
            offered,
            serde_json::json!(["edit-measures", "edit-interim_precautions", "edit-funds", "edit-remark"]),
            "an owner changes the rectification fields, not the description or who answers"
        );
        fill(&phone, "#edit-funds", "12.345").await?;
        phone.click("#save-edit").await?;
        assert!(phone.text("#edit-error").await?.contains("整改资金"));
        assert!(phone.text("#pending").await?.contains("已全部上传"), "nothing was recorded");
        fill(&phone, "#edit-funds", "1,200.50").await?;
        fill(&phone, "#edit-measures", "拆除串接插线板，增设墙面插座").await?;
        phone.click("#save-edit").await?;
        phone.find("#edit-saved").await?;
        fill(&phone, "#note-text", "已联系电工，周五更换").await?;
        phone.click("#add-note").await?;
        phone.until("document.querySelector('ul.notes') && document.querySelector('ul.notes').textContent.includes('周五更换')", 10).await?;
        phone.until_synced(30).await?;
        let d = server.get_json(&token, &format!("/api/v1/hazards/{id}")).await?;
        assert_eq!(d["hazard"]["funds"], 120_050, "{d}");
        assert_eq!(d["hazard"]["measures"], "拆除串接插线板，增设墙面插座");
        assert_eq!(d["hazard"]["comments"][0]["text"], "已联系电工，周五更换");
        assert_eq!(d["hazard"]["description"], "值班室插线板串接");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// The measures list is kept at the desk: a measure without a title is refused with the message
/// and nothing is recorded; a full one is listed at once, reaches the server, and moves to done
/// (dated today) from its row.
#[tokio::test]
async fn supervisor_keeps_the_measures_list() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let hazard = saferounds_e2e::api::registered_hazard(&server, "氧气瓶未固定").await?;
    let base = server.url("/");
    let token = server.token("supervisor").await?;
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.click("#tab-measures_list").await?;
        desk.find("#new-measure").await?;
        let today: String = serde_json::from_value(server.get_json(&token, "/api/v1/bootstrap").await?["today"].clone())?;
        let due = (today.parse::<chrono::NaiveDate>()? + chrono::Duration::days(30)).to_string();
        choose(&desk, "#measure-department", 1).await?;
        fill(&desk, "#measure-deadline", &due).await?;
        desk.click("#save-measure").await?;
        assert!(desk.text("#new-measure-error").await?.contains("名称"), "a measure needs a title");
        desk.find("#measure-title").await?.send_keys("氧气瓶存放间管理制度").await?;
        desk.find("#measure-content").await?.send_keys("限量存放、防倾倒、远离火源").await?;
        choose(&desk, "#measure-kind", 1).await?;
        // The hazard that revealed the need, from the open ones on the device.
        let option = format!("#measure-hazards option[value=\"{hazard}\"]");
        desk.find(&option).await?;
        desk.client
            .execute(
                "document.querySelector(arguments[0]).selected = true; document.querySelector('#measure-hazards').dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::json!(option)],
            )
            .await?;
        desk.click("#save-measure").await?;
        desk.until("document.querySelector('table.measures') && document.querySelector('table.measures').textContent.includes('氧气瓶存放间管理制度')", 10).await?;
        // A sync already under way when the measure was saved does not carry it; the next one
        // does (a person would press 同步): press it once that one has ended.
        desk.until("document.querySelector('#pending').textContent.includes('已全部上传') || !document.querySelector('#sync').disabled", 20).await?;
        desk.client.execute("const b = document.querySelector('#sync'); if (!b.disabled) b.click();", vec![]).await?;
        desk.until_synced(30).await?;
        let list = server.get_json(&token, "/api/v1/measures").await?;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        assert_eq!(list[0]["title"], "氧气瓶存放间管理制度");
        assert_eq!(list[0]["kind"], "amend");
        assert_eq!(list[0]["status"], "planned");
        assert_eq!(list[0]["deadline"], due.as_str());
        assert_eq!(list[0]["hazard_ids"], serde_json::json!([hazard.to_string()]));
        // The due date moved from its row (the timetable follows the plan).
        let later = (today.parse::<chrono::NaiveDate>()? + chrono::Duration::days(60)).to_string();
        desk.client
            .execute(
                "const d = document.querySelector('tr[data-measure] input.measure-deadline'); d.value = arguments[0]; d.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::json!(later)],
            )
            .await?;
        // Recorded, synced, on the server (waited for there: the status bar may still say "all
        // sent" before the change is recorded).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let list = server.get_json(&token, "/api/v1/measures").await?;
            if list[0]["deadline"] == later.as_str() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the moved date never reached the server: {list}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        // Done from its row: dated today, on the server after the sync.
        choose(&desk, "tr[data-measure] select.measure-status", 2).await?;
        desk.until("document.querySelector('tr[data-measure]') && document.querySelector('tr[data-measure]').textContent.includes('完成于')", 10).await?;
        desk.until_synced(20).await?;
        let list = server.get_json(&token, "/api/v1/measures").await?;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        assert_eq!(list[0]["status"], "done");
        assert_eq!(list[0]["done_on"], today.as_str());
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    result?;
    // Leadership reads the list and is offered no editing.
    let leader = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        leader.login(&base, "leader").await?;
        leader.click("#tab-measures_list").await?;
        leader.until("document.querySelector('table.measures') && document.querySelector('table.measures').textContent.includes('已完成')", 20).await?;
        let editable = leader
            .client
            .execute("return document.querySelector('#new-measure') !== null || Array.from(document.querySelectorAll('select.measure-status')).some(s => !s.hidden)", vec![])
            .await?;
        assert_eq!(editable, serde_json::json!(false));
        anyhow::Ok(())
    }
    .await;
    leader.close().await;
    server.stop().await?;
    result
}

/// Administration at the desk: a new room (then its QR label sheet lists it), a new user who can
/// log in with the first password, and a checklist edit that becomes version 2; the screen
/// passes axe.
#[tokio::test]
async fn admin_adds_a_room_a_user_and_a_checklist_version() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let token = server.token("admin").await?;
    let before = server.get_json(&token, "/api/v1/templates").await?;
    let first_code = before[0]["code"].as_str().unwrap_or_default().to_owned();
    let first_items = before[0]["items"].as_array().map(Vec::len).unwrap_or(0);
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.login(&base, "admin").await?;
        desk.click("#tab-admin").await?;
        desk.find("#admin-rooms").await?;
        desk.find("details.template").await?;
        let violations = desk.axe_violations().await?;
        assert!(violations.is_empty(), "admin screen: {violations:?}");

        // A new station, a building on it and a department.
        desk.find("#site-name").await?.send_keys("东郊急救站").await?;
        desk.click("#save-site").await?;
        desk.until("document.querySelector('#site-msg') && document.querySelector('#site-msg').textContent.includes('东郊急救站')", 10).await?;
        desk.until("Array.from(document.querySelectorAll('#building-site option')).some(o => o.textContent === '东郊急救站')", 20).await?;
        desk.client
            .execute("const s = document.querySelector('#building-site'); s.value = Array.from(s.options).find(o => o.textContent === '东郊急救站').value; s.dispatchEvent(new Event('change', {bubbles: true}));", vec![])
            .await?;
        desk.find("#building-name").await?.send_keys("东郊站主楼").await?;
        desk.find("#building-floors").await?.send_keys("1F,2F").await?;
        desk.click("#save-building").await?;
        desk.until("document.querySelector('#building-msg') && document.querySelector('#building-msg').textContent.includes('东郊站主楼')", 10).await?;
        desk.find("#department-name").await?.send_keys("东郊站").await?;
        desk.click("#save-department").await?;
        desk.until("document.querySelector('#department-msg') && document.querySelector('#department-msg').textContent.includes('东郊站')", 10).await?;
        choose(&desk, "#room-building", 1).await?;
        desk.find("#room-floor").await?.send_keys("3F").await?;
        desk.find("#room-name").await?.send_keys("新建资料室").await?;
        choose(&desk, "#room-department", 1).await?;
        desk.click("#save-room").await?;
        desk.until("document.querySelector('#room-msg') && document.querySelector('#room-msg').textContent.includes('新建资料室')", 10).await?;

        desk.find("#user-username").await?.send_keys("new.inspector").await?;
        desk.find("#user-name").await?.send_keys("巡查员 周新").await?;
        choose(&desk, "#user-site", 1).await?;
        choose(&desk, "#user-department", 1).await?;
        desk.find("#user-password").await?.send_keys("first-pass-123").await?;
        desk.click("#save-user").await?;
        desk.until("document.querySelector('#user-table') && document.querySelector('#user-table').textContent.includes('new.inspector')", 10).await?;
        let login = |pw: &'static str| {
            let url = server.url("/api/v1/auth/login");
            async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&serde_json::json!({"username": "new.inspector", "password": pw}))
                    .send()
                    .await
                    .map(|r| r.status())
            }
        };
        assert!(login("first-pass-123").await?.is_success(), "the new user logs in");
        // Deactivated, the account no longer logs in.
        desk.click("tr[data-user='new.inspector'] button.toggle-active").await?;
        desk.until("document.querySelector(\"tr[data-user='new.inspector']\").textContent.includes('—')", 10).await?;
        assert!(!login("first-pass-123").await?.is_success(), "a deactivated user cannot log in");

        desk.client
            .execute(
                &format!("const d = document.querySelector('details.template[data-code=\"{first_code}\"]'); d.open = true; d.querySelector('input[type=checkbox]').click(); \
                  const t = d.querySelectorAll('input.item-text')[1]; t.value = '改写后的检查内容'; t.dispatchEvent(new Event('change', {{bubbles: true}})); \
                  const c = d.querySelector('input.new-item-code'); c.value = 'ZX-01'; c.dispatchEvent(new Event('input', {{bubbles: true}})); \
                  const x = d.querySelector('input.new-item-text'); x.value = '氧气瓶间禁止吸烟标识完好'; x.dispatchEvent(new Event('input', {{bubbles: true}})); \
                  d.querySelector('button.add-item-button').click();"),
                vec![],
            )
            .await?;
        desk.until(&format!("document.querySelector('details.template[data-code=\"{first_code}\"]').textContent.includes('ZX-01')"), 10).await?;
        desk.client
            .execute(
                &format!("document.querySelector('details.template[data-code=\"{first_code}\"] button.save-template').click();"),
                vec![],
            )
            .await?;
        desk.until("document.querySelector('#admin-templates').textContent.includes('v2')", 10).await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    let boot = server.get_json(&token, "/api/v1/bootstrap").await;
    let labels = reqwest::Client::new()
        .get(server.url("/api/v1/rooms/labels"))
        .bearer_auth(&token)
        .send()
        .await?
        .text()
        .await?;
    let after = server.get_json(&token, "/api/v1/templates").await;
    server.stop().await?;
    result?;
    let boot = boot?;
    assert!(
        boot["rooms"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["name"]["zh"] == "新建资料室"))
    );
    let site = boot["sites"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"]["zh"] == "东郊急救站"))
        .expect("the new site is saved");
    assert!(boot["buildings"].as_array().is_some_and(|a| {
        a.iter().any(|b| {
            b["name"]["zh"] == "东郊站主楼"
                && b["site_id"] == site["id"]
                && b["floors"] == serde_json::json!(["1F", "2F"])
        })
    }));
    assert!(
        boot["departments"]
            .as_array()
            .is_some_and(|a| a.iter().any(|d| d["name"]["zh"] == "东郊站"))
    );
    assert!(
        labels.contains("新建资料室"),
        "the label sheet lists the new room"
    );
    let after = after?;
    let v2 = after
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|t| t["code"] == first_code.as_str() && t["version"] == 2)
        })
        .expect("version 2 saved");
    // One item dropped, one reworded, one added.
    let items = v2["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), first_items);
    assert!(
        items
            .iter()
            .any(|i| i["code"] == "ZX-01" && i["text"]["zh"] == "氧气瓶间禁止吸烟标识完好")
    );
    assert_eq!(items[0]["text"]["zh"], "改写后的检查内容");
    Ok(())
}

/// Closing the loop from the desk: the owner rectifies (on their phone, here through the API),
/// the supervisor re-checks at the desk and closes it out; the timeline shows every step.
#[tokio::test]
async fn desk_closes_the_loop() -> anyhow::Result<()> {
    use saferounds_shared::hazard::{Event, Status};
    use saferounds_shared::ids::Reason;
    use saferounds_shared::sync::{OpBody, Outcome};
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(&server, "库房灭火器压力不足").await?;
    let owner = server.login("owner").await?;
    let (_, photo) = owner
        .upload(&[0xFF, 0xD8, 0xFF, 0xE0, 9, 8, 7, 0xFF, 0xD9])
        .await?;
    let start = owner
        .push_one(
            id.0,
            2,
            OpBody::Transition {
                from: Status::Registered,
                event: Event::StartRectification,
            },
        )
        .await?;
    anyhow::ensure!(
        matches!(start.results[0].outcome, Outcome::Applied),
        "{:?}",
        start.results
    );
    let submit = owner
        .push_one(
            id.0,
            3,
            OpBody::Transition {
                from: Status::Rectifying,
                event: Event::SubmitRectification {
                    what_was_done: Reason::parse("已更换合格灭火器")?,
                    photos_after: vec![photo],
                },
            },
        )
        .await?;
    anyhow::ensure!(
        matches!(submit.results[0].outcome, Outcome::Applied),
        "{:?}",
        submit.results
    );
    let base = server.url("/");
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.click("#tab-desk").await?;
        desk.find(&format!("tr[data-hazard='{id}'] a")).await?.click().await?;
        desk.until("document.querySelector('#hazard-status') && document.querySelector('#hazard-status').dataset.status === 'awaiting_recheck'", 20).await?;
        desk.click("#do-pass").await?;
        desk.until("document.querySelector('#hazard-status').dataset.status === 'closed'", 10).await?;
        desk.until_synced(30).await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    let status = saferounds_e2e::api::status_of(&server, id).await;
    let detail = server
        .get_json(
            &server.token("supervisor").await?,
            &format!("/api/v1/hazards/{id}"),
        )
        .await;
    server.stop().await?;
    result?;
    assert_eq!(status?, "closed");
    let actions: Vec<String> = detail?["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["action"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for step in [
        "report",
        "register",
        "start_rectification",
        "submit_rectification",
        "recheck_pass",
    ] {
        assert!(actions.iter().any(|a| a == step), "{step} in {actions:?}");
    }
    Ok(())
}

/// The desk works from the keyboard: log in with Enter, reach the ledger with Tab and Enter,
/// open a hazard with Enter on its link.
#[tokio::test]
async fn desk_is_usable_from_the_keyboard() -> anyhow::Result<()> {
    use fantoccini::key::Key;
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(&server, "消防通道堆放纸箱").await?;
    let base = server.url("/");
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        desk.client.goto(&base).await?;
        desk.find("#username").await?.send_keys("supervisor").await?;
        let pw = desk.find("#password").await?;
        pw.send_keys("demo1234").await?;
        pw.send_keys(&Key::Enter.to_string()).await?;
        desk.find("#kpis").await?;
        // Tab from the dashboard tab to the ledger tab, then Enter.
        desk.find("#tab-dashboard").await?;
        desk.client.execute("document.querySelector('#tab-dashboard').focus()", vec![]).await?;
        let mut reached = false;
        for _ in 0..6 {
            let active = desk.client.execute("return document.activeElement.id", vec![]).await?;
            if active == "tab-desk" {
                reached = true;
                break;
            }
            desk.client.active_element().await?.send_keys(&Key::Tab.to_string()).await?;
        }
        anyhow::ensure!(reached, "the ledger tab is reachable with Tab");
        desk.client.active_element().await?.send_keys(&Key::Enter.to_string()).await?;
        desk.find("#ledger").await?;
        desk.client
            .execute(&format!("document.querySelector(\"tr[data-hazard='{id}'] a\").focus()"), vec![])
            .await?;
        desk.client.active_element().await?.send_keys(&Key::Enter.to_string()).await?;
        desk.until("document.querySelector('#hazard-title') && document.querySelector('#hazard-title').textContent.includes('消防通道堆放纸箱')", 10).await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    server.stop().await?;
    result
}

/// A walk-through of several rooms on the phone: a failure with a photo, a room that passes, a
/// failure fixed on the spot with an after photo; progress counts the rooms, and the server gets
/// exactly one hazard per failure (the fixed one waiting for its re-check).
#[tokio::test]
async fn walk_through_of_several_rooms() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        let open = |n: usize| format!("document.querySelectorAll('#room-list li.room')[{n}].querySelector('button').click()");
        let answer_all = "document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click());";
        // Room 1: everything passes but the first item, which fails with a photo and a note.
        phone.client.execute(&open(0), vec![]).await?;
        phone.find(".item").await?;
        phone.client.execute(answer_all, vec![]).await?;
        phone.client.execute("document.querySelectorAll('.item')[0].querySelector('[data-answer=fail]').click()", vec![]).await?;
        // A file that is no image is refused, saying so; then a real photo.
        let not_a_photo = tempfile::Builder::new().suffix(".jpg").tempfile()?;
        std::fs::write(not_a_photo.path(), "这不是照片")?;
        phone.find(".fail-photo").await?.send_keys(&not_a_photo.path().display().to_string()).await?;
        assert!(phone.text(".photo-error").await?.contains("无法读取"));
        assert_eq!(phone.client.execute("return document.querySelectorAll('.thumbs img').length", vec![]).await?, 0);
        phone.client.execute("document.querySelector('.fail-photo').value = ''", vec![]).await?;
        phone.find(".fail-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 1 && !document.querySelector('.photo-error')", 15).await?;
        phone.find(".fail-note").await?.send_keys("灭火器压力不足").await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.find("#room-list").await?;
        // Room 2: everything passes.
        phone.client.execute(&open(1), vec![]).await?;
        phone.find(".item").await?;
        phone.client.execute(answer_all, vec![]).await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.find("#room-list").await?;
        // Room 3: a failure fixed on the spot, with what was done and an after photo.
        phone.client.execute(&open(2), vec![]).await?;
        phone.find(".item").await?;
        phone.client.execute(answer_all, vec![]).await?;
        phone.client.execute("document.querySelectorAll('.item')[0].querySelector('[data-answer=fail]').click()", vec![]).await?;
        phone.find(".fail-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 1", 15).await?;
        phone.find(".fail-note").await?.send_keys("插线板串接").await?;
        // WebDriver scrolls the box under the sticky save bar: click it as a script would.
        phone.find(".fixed").await?;
        phone.client.execute("document.querySelector('.fixed').click()", vec![]).await?;
        phone.find(".fixed-text").await?.send_keys("已拆除串接插线板").await?;
        phone.find(".after-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 2", 15).await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.find("#room-list").await?;
        phone.until("document.querySelectorAll('#room-list .tag.done').length === 3", 10).await?;
        let body = phone.body().await?;
        let total = phone.client.execute("return document.querySelectorAll('#room-list li.room').length", vec![]).await?;
        assert!(body.contains(&format!("3 / {total}")), "progress counts the rooms: {body}");
        phone.until_synced(30).await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    let token = server.token("supervisor").await?;
    let ledger = server.get_json(&token, "/api/v1/hazards").await;
    let rounds = server.get_json(&token, "/api/v1/inspections").await;
    server.stop().await?;
    result?;
    let ledger = ledger?;
    assert_eq!(ledger["total"], 2, "one hazard per failure: {ledger}");
    let statuses: Vec<&str> = ledger["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["status"].as_str())
        .collect();
    assert!(
        statuses.contains(&"reported") && statuses.contains(&"awaiting_recheck"),
        "{statuses:?}"
    );
    let visits: usize = rounds?["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["visits"].as_array().map(Vec::len).unwrap_or(0))
        .sum();
    assert_eq!(visits, 3, "three rooms visited");
    Ok(())
}

/// Scanning a room's QR label opens its checklist; a label of another site says so. Chromium on
/// The QR code and the Chinese name of the inspector's `index`-th room.
async fn label_of(server: &Server, index: usize) -> anyhow::Result<(String, String)> {
    let token = server.token("inspector").await?;
    let boot = server.get_json(&token, "/api/v1/bootstrap").await?;
    let room = &boot["rooms"][index];
    Ok((
        room["qr_code"].as_str().context("a room")?.to_owned(),
        room["name"]["zh"].as_str().context("a room")?.to_owned(),
    ))
}

/// The phone reads a room's printed label with its own decoder (no browser detector): here from
/// a photo of the label, as on a phone whose browser gives no camera view.
#[tokio::test]
async fn scanning_a_room_label_opens_its_checklist() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let (code, name) = label_of(&server, 1).await?;
    let phone = Browser::start().await?;
    let result = async {
        let photo = server.dir.path().join("label.jpg");
        labels::photo(&labels::printed(&phone, &server, &code).await?, &photo)?;
        let foreign = server.dir.path().join("foreign.jpg");
        labels::photo(&labels::foreign("SR1:not-ours")?, &foreign)?;
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.click("#scan").await?;
        // This browser has no camera: the sheet says so and offers to read a photo instead.
        phone.until("document.querySelector('.cam .cam-hint')?.textContent.includes('无法使用相机')", 20).await?;
        // A photo without a code is said so, and the sheet stays for another try.
        phone.find("#cam-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelector('.cam .cam-hint')?.textContent.includes('没有识别到二维码')", 20).await?;
        phone.find("#cam-photo").await?.send_keys(&photo.display().to_string()).await?;
        phone.until(&format!("document.querySelector('#visit-room') && document.querySelector('#visit-room').textContent.includes('{name}')"), 20).await?;
        assert!(phone.client.find(Locator::Css(".cam")).await.is_err(), "the sheet closes");
        // Saved, the visit records that the room's label was scanned (proof of presence).
        phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click()); document.querySelector('#save-visit').click();", vec![]).await?;
        phone.find("#room-list").await?;
        phone.until_synced(30).await?;
        let rounds = server.get_json(&server.token("supervisor").await?, "/api/v1/inspections").await?;
        assert_eq!(rounds["rounds"][0]["visits"][0]["via_qr"], true, "{rounds}");
        // A label that is not a room of this site.
        phone.click("#tab-rooms").await?;
        phone.click("#scan").await?;
        phone.find("#cam-photo").await?.send_keys(&foreign.display().to_string()).await?;
        phone.until("document.body.textContent.includes('二维码不属于本站点的房间')", 20).await?;
        // Cancelled, the sheet goes and the rooms stay.
        phone.click("#scan").await?;
        phone.click("#cam-cancel").await?;
        phone.until("!document.querySelector('.cam') && !!document.querySelector('#room-list')", 10).await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// The live camera: Chromium's fake camera films a printed label, and the room opens as soon as
/// the decoder reads a frame — no photo taken.
#[tokio::test]
async fn the_live_camera_reads_a_room_label() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let (code, name) = label_of(&server, 2).await?;
    let printer = Browser::start().await?;
    let label = labels::printed(&printer, &server, &code).await;
    printer.close().await;
    let video = server.dir.path().join("label.y4m");
    labels::video(&label?, &video)?;
    let camera = format!("--use-file-for-fake-video-capture={}", video.display());
    let phone = Browser::phone_with(&[
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        &camera,
    ])
    .await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.click("#scan").await?;
        phone.until(&format!("document.querySelector('#visit-room') && document.querySelector('#visit-room').textContent.includes('{name}')"), 30).await?;
        assert!(phone.client.find(Locator::Css(".cam")).await.is_err(), "the sheet closes");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// Whether the phone's IndexedDB holds the entity `id`.
fn stored_entity(id: &str) -> String {
    format!(
        "const done = arguments[arguments.length - 1]; const r = indexedDB.open('saferounds'); \
         r.onsuccess = () => {{ const db = r.result; const g = db.transaction('entities').objectStore('entities').get('{id}'); \
         g.onsuccess = () => {{ db.close(); done(g.result !== undefined); }}; g.onerror = () => {{ db.close(); done(null); }}; }}; \
         r.onerror = () => done(null);"
    )
}

/// The inspector of each visit recorded on the server.
async fn visits_by(server: &Server) -> anyhow::Result<Vec<String>> {
    Ok(rounds_by(server)
        .await?
        .into_iter()
        .flat_map(|(_, v)| v)
        .collect())
}

/// The inspector of each round on the server, with the inspector of each of its visits.
async fn rounds_by(server: &Server) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let token = server.token("supervisor").await?;
    let rounds = server.get_json(&token, "/api/v1/inspections").await?;
    Ok(rounds["rounds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let visits = r["visits"].as_array().cloned().unwrap_or_default();
            (
                r["round"]["inspector_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                visits
                    .iter()
                    .map(|v| v["inspector_id"].as_str().unwrap_or_default().to_owned())
                    .collect(),
            )
        })
        .collect())
}

/// A phone shared between shifts: while one inspector's records are unsent, another cannot log
/// in on it (the records are neither sent under the wrong name nor dropped); once the first has
/// synced, the next user gets the phone with nothing of the previous user's stored on it.
#[tokio::test]
async fn a_shared_phone_changes_hands_without_losing_or_leaking_records() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let east = saferounds_e2e::api::reported_hazard(&server, "配电箱前堆放纸箱").await?;
    let east = east.0.to_string();
    let inspector = server.login("inspector").await?.user.id.to_string();
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.until_synced(30).await?;
        // "All sent" speaks of the outbox (empty from the start); the first pull may still be
        // under way: wait for the record itself.
        let mut pulled = false;
        for _ in 0..100 {
            pulled = phone.client.execute_async(&stored_entity(&east), vec![]).await? == true;
            if pulled {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(pulled, "the station's hazard was pulled");

        // Offline, the inspector records a visit, then logs out with it unsent.
        server.stop().await?;
        phone.client.execute("document.querySelectorAll('#room-list li.room')[0].querySelector('button').click()", vec![]).await?;
        phone.find(".item").await?;
        phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click()); document.querySelector('#save-visit').click();", vec![]).await?;
        phone.find("#room-list").await?;
        phone.until("document.querySelector('#pending').textContent.includes('待上传 2')", 10).await?; // the round and the visit
        phone.click("#logout").await?;
        let warning = phone.client.get_alert_text().await?;
        assert!(warning.contains("其他人无法在本机登录"), "{warning}");
        phone.client.accept_alert().await?;
        phone.find("#username").await?;

        // The next shift cannot take the phone over yet, and is told why and what to do.
        server.restart().await?;
        phone.login(&base, "inspector_hq").await?;
        let msg = phone.text("#login-error").await?;
        assert!(msg.contains("张伟") && msg.contains("2 条记录未上传"), "{msg}");
        assert!(visits_by(&server).await?.is_empty(), "nothing was sent under the wrong name");

        // The inspector logs in again: the visit goes up, under their name.
        phone.client.refresh().await?;
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.until_synced(30).await?;
        phone.click("#logout").await?;
        phone.find("#username").await?;

        // Now the phone changes hands, and keeps nothing of the previous user's.
        phone.login(&base, "inspector_hq").await?;
        phone.until("document.querySelector('#room-list') && document.querySelector('#room-list').textContent.includes('中心机房')", 20).await?;
        phone.until_synced(30).await?;
        assert_eq!(phone.client.execute_async(&stored_entity(&east), vec![]).await?, false, "the east station's hazard is not on the headquarters inspector's phone");

        // The same day and type: the next user's visit goes into a round of their own.
        phone.client.execute("document.querySelectorAll('#room-list li.room')[0].querySelector('button').click()", vec![]).await?;
        phone.find("#visit-room").await?;
        phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click()); document.querySelector('#save-visit').click();", vec![]).await?;
        phone.until_visit_saved().await?;
        phone.click("#sync").await?;
        phone.until_synced(30).await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    let rounds = rounds_by(&server).await;
    let next = server
        .login("inspector_hq")
        .await
        .map(|a| a.user.id.to_string());
    server.stop().await?;
    result?;
    let (mut rounds, next) = (rounds?, next?);
    rounds.sort();
    let mut want = vec![
        (inspector.clone(), vec![inspector]),
        (next.clone(), vec![next]),
    ];
    want.sort();
    assert_eq!(rounds, want, "each visit in its own inspector's round");
    Ok(())
}

/// The service worker's caches, by name.
const CACHE_NAMES: &str = "const done = arguments[arguments.length - 1]; caches.keys().then(k => done(k.sort()), () => done(null));";

/// What the page and its service worker registration are doing, for a failure message.
const SW_STATE: &str = "const done = arguments[arguments.length - 1]; \
    navigator.serviceWorker.getRegistration().then(r => done({ \
      reloaded: window.__beforeUpdate === undefined, reloading: !!window.__srReloading, \
      body: document.body.innerText.slice(0, 200), \
      controller: navigator.serviceWorker.controller && navigator.serviceWorker.controller.state, \
      active: r && r.active && r.active.state, waiting: r && r.waiting && r.waiting.state, \
      installing: r && r.installing && r.installing.state }), e => done(String(e)));";

/// A new version of the app: the page says so — also after a reload, when the new version was
/// already waiting as the page loaded — and its button switches to it; the old shell is dropped.
#[tokio::test]
async fn a_new_version_is_announced_and_applied_on_request() -> anyhow::Result<()> {
    let copy = tempfile::tempdir()?;
    // A copy of the built app, which the test changes.
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", saferounds_e2e::dist().display()))
        .arg(copy.path())
        .status()?;
    anyhow::ensure!(status.success(), "copying the built app");
    let mut server = Server::start_serving(copy.path().to_path_buf()).await?;
    let browser = Browser::start().await?;
    let result = async {
        browser.login(&server.url("/"), "inspector").await?;
        browser.find("#room-list li.room").await?;
        browser.until("navigator.serviceWorker.controller !== null || (location.reload(), false)", 30).await?;
        browser.find("#room-list li.room").await?;
        let before = browser.client.execute_async(CACHE_NAMES, vec![]).await?;
        assert_eq!(before.as_array().map(Vec::len), Some(1), "{before}");
        assert!(browser.client.find(Locator::Css("#update")).await.is_err(), "no update announced yet");

        // The next version is deployed (its service worker changes) and the browser checks.
        let sw = copy.path().join("sw.js");
        let text = std::fs::read_to_string(&sw)?;
        let next = text.replacen("const VERSION = \"", "const VERSION = \"next-", 1);
        assert_ne!(next, text, "the service worker names its version");
        std::fs::write(&sw, next)?;
        for ext in ["gz", "br"] {
            let _ = std::fs::remove_file(copy.path().join(format!("sw.js.{ext}")));
        }
        browser.client.execute("navigator.serviceWorker.getRegistration().then(r => r.update())", vec![]).await?;
        assert!(browser.text("#update").await?.contains("新版本可用"));

        // A reload keeps the running version (it still controls the page) and still says so.
        browser.client.refresh().await?;
        browser.find("#room-list li.room").await?;
        browser.find("#update").await?;

        // The button switches: the page reloads under the new version, the old shell is gone —
        // also while the page keeps the old worker busy with requests (as a sync does), which
        // can make the browser put the activation off.
        browser.client.execute("window.__beforeUpdate = true; const storm = setInterval(() => fetch('/api/health').catch(() => {}), 5); setTimeout(() => clearInterval(storm), 1500); document.querySelector('#update button').click();", vec![]).await?;
        if let Err(e) = browser.until("window.__beforeUpdate === undefined && document.querySelector('#room-list li.room') !== null", 30).await {
            let state = browser.client.execute_async(SW_STATE, vec![]).await;
            anyhow::bail!("{e}; the page and its service workers: {state:?}");
        }
        assert!(browser.client.find(Locator::Css("#update")).await.is_err(), "the new version runs");
        let after = browser.client.execute_async(CACHE_NAMES, vec![]).await?;
        let after: Vec<String> = serde_json::from_value(after)?;
        assert_eq!(after.len(), 1, "{after:?}");
        assert!(after[0].starts_with("saferounds-shell-next-"), "{after:?} (before: {before})");
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    server.stop().await?;
    result
}

/// Draws a stroke on a signature pad with pointer events, as a finger would; `seed` varies it.
fn sign(pad: &str, seed: u32) -> String {
    format!(
        "const c = document.querySelector('{pad}'); const r = c.getBoundingClientRect(); \
         const ev = (t, x, y) => c.dispatchEvent(new PointerEvent(t, {{ clientX: r.left + x, clientY: r.top + y, bubbles: true }})); \
         ev('pointerdown', 12, 12); for (let i = 1; i < 24; i++) ev('pointermove', 12 + i * 9, 12 + ((i * {seed}) % 7) * 7); ev('pointerup', 220, 40);"
    )
}

/// A periodic fire check is signed on the phone by the inspector and the inspected department's
/// head: it is not saved with a pad left blank (or cleared), and the server gets both signatures
/// as images, with the head's name; the visit says the room was picked by hand, not scanned.
#[tokio::test]
async fn a_periodic_check_is_signed_by_inspector_and_department_head() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let save_fails = "document.querySelector('#save-visit').click();";
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        // A patrol first: its round ends with its visit once the periodic check begins.
        phone.client.execute("document.querySelectorAll('#room-list li.room')[0].querySelector('button').click()", vec![]).await?;
        phone.find("#visit-room").await?;
        phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click()); document.querySelector('#save-visit').click();", vec![]).await?;
        phone.until_visit_saved().await?;
        phone.client.execute("[...document.querySelectorAll('.seg button')].find(b => b.textContent.includes('防火检查')).click()", vec![]).await?;
        phone.until("document.querySelector('.seg button.on').textContent.includes('防火检查')", 10).await?;
        phone.client.execute("document.querySelectorAll('#room-list li.room')[0].querySelector('button').click()", vec![]).await?;
        phone.find("#sig-inspector").await?;
        phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click());", vec![]).await?;

        // Unsigned, then signed by the inspector alone: refused, saying what is missing.
        phone.client.execute(save_fails, vec![]).await?;
        assert!(phone.text("#visit-error").await?.contains("分别在签名框内签名"));
        phone.client.execute(&sign("#sig-inspector", 3), vec![]).await?;
        phone.client.execute(save_fails, vec![]).await?;
        assert!(phone.text("#visit-error").await?.contains("分别在签名框内签名"));
        // The head signs, clears it, signs again; without the head's name it is refused too.
        phone.client.execute(&sign("#sig-head", 5), vec![]).await?;
        phone.client.execute("document.querySelector('#sig-head + .clear-signature').click()", vec![]).await?;
        phone.client.execute(save_fails, vec![]).await?;
        assert!(phone.text("#visit-error").await?.contains("分别在签名框内签名"), "a cleared pad is unsigned");
        phone.client.execute(&sign("#sig-head", 5), vec![]).await?;
        phone.client.execute(save_fails, vec![]).await?;
        assert!(phone.text("#visit-error").await?.contains("部门负责人姓名"));
        phone.find("#head-name").await?.send_keys("后勤科 王主任").await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.find("#room-list").await?;
        phone.until_synced(30).await?;
        let token = server.token("supervisor").await?;
        let rounds = server.get_json(&token, "/api/v1/inspections").await?;
        let of_type = |t: &str| -> Vec<serde_json::Value> {
            rounds["rounds"].as_array().into_iter().flatten().filter(|r| r["round"]["inspection_type"] == t).cloned().collect()
        };
        let (patrol, check) = (of_type("daily_patrol"), of_type("periodic_check"));
        assert_eq!((patrol.len(), check.len()), (1, 1), "{rounds}");
        assert_eq!(patrol[0]["round"]["finished_at"], patrol[0]["visits"][0]["finished_at"], "the patrol round ended with its visit: {rounds}");
        assert!(check[0]["round"]["finished_at"].is_null(), "the periodic check's round is still open: {rounds}");
        let visits = check[0]["visits"].as_array().cloned().unwrap_or_default();
        assert_eq!(visits.len(), 1, "{rounds}");
        let v = &visits[0];
        assert_eq!(v["inspection_type"], "periodic_check");
        assert_eq!(v["via_qr"], false, "picked from the list, not scanned");
        // The visit starts when the room is opened, not when it is saved (signing took a while).
        let at = |k: &str| chrono::DateTime::parse_from_rfc3339(v[k].as_str().unwrap_or_default());
        assert!(at("started_at")? < at("finished_at")?, "{v}");
        let s = &v["signatures"];
        assert_eq!(s["department_head_name"], "后勤科 王主任");
        assert_ne!(s["inspector"], s["department_head"], "two signatures");
        for who in ["inspector", "department_head"] {
            let hash = s[who].as_str().unwrap_or_default();
            let r = reqwest::Client::new()
                .get(server.url(&format!("/api/v1/blobs/{hash}")))
                .bearer_auth(&token)
                .send()
                .await?;
            assert_eq!(r.status(), 200, "{who}'s signature is on the server");
            assert!(
                r.bytes().await?.starts_with(b"\x89PNG"),
                "{who}'s signature is an image"
            );
        }

        // At the desk, the rounds are listed and the check prints as its record, signed.
        let check_id = check[0]["round"]["id"].as_str().unwrap_or_default().to_owned();
        let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
        let printed = async {
            desk.login(&base, "supervisor").await?;
            desk.click("#tab-rounds").await?;
            let row = format!("#rounds tr[data-round='{check_id}']");
            desk.find(&row).await?;
            assert!(desk.text(&row).await?.contains("防火检查"));
            let before = desk.client.windows().await?;
            desk.click(&format!("{row} button.print-record")).await?;
            let mut record = None;
            for _ in 0..50 {
                let now = desk.client.windows().await?;
                if let Some(w) = now.into_iter().find(|w| !before.contains(w)) {
                    record = Some(w);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let record = record.ok_or_else(|| anyhow::anyhow!("the record did not open"))?;
            desk.client.switch_to_window(record).await?;
            desk.until("document.body && document.body.textContent.includes('防火检查记录')", 10).await?;
            let text = desk.text("body").await?;
            assert!(text.contains("后勤科 王主任") && text.contains("被检查部门负责人（签名）"), "{text}");
            let signed = desk
                .client
                .execute("return [...document.querySelectorAll('img.signature')].filter(i => i.complete && i.naturalWidth > 0).length", vec![])
                .await?;
            assert_eq!(signed, 2, "both signatures drawn on the phone are in the printed record");
            anyhow::Ok(())
        }
        .await;
        desk.close().await;
        printed?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// Elements wider than the screen, or reaching past its right edge: `tag#id.class` of each.
const OVERFLOW: &str = "return [...document.querySelectorAll('body *')].filter(e => { \
     if (e.closest('nav.tabs')) return false; const r = e.getBoundingClientRect(); \
     return r.width > 0 && r.right > window.innerWidth + 1; }).slice(0, 5) \
     .map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')) \
     .concat(document.documentElement.scrollWidth > window.innerWidth ? ['page ' + document.documentElement.scrollWidth] : []);";

/// The phone screens fit a 360 px wide phone, in Chinese and in English: nothing reaches past
/// the right edge (the tab bar scrolls sideways by design).
#[tokio::test]
async fn phone_screens_fit_a_360_px_screen() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(
        &server,
        "值班室插线板串接，电线老化破损，需更换带过载保护的插线板",
    )
    .await?;
    let owner = server.login("owner").await?;
    let owner_name = owner.user.display_name.clone();
    assert!(!owner_name.is_empty());
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        // A headless window is at least 500 px wide: emulate the phone's screen.
        phone
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                serde_json::json!({"width": 360, "height": 760, "deviceScaleFactor": 2, "mobile": true}),
            )
            .await?;
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        assert_eq!(phone.client.execute("return window.innerWidth", vec![]).await?, 360);
        for lang in ["zh", "en"] {
            if lang == "en" {
                phone.click("#lang").await?;
                phone.until("document.documentElement.lang === 'en'", 10).await?;
            }
            let mut screens = Vec::new();
            phone.click("#tab-rooms").await?;
            phone.find("#room-list li.room").await?;
            screens.push(("rooms", phone.client.execute(OVERFLOW, vec![]).await?));
            // A periodic check: items, a failed one with its box, the signature pads.
            phone.client.execute("document.querySelectorAll('.seg button')[1].click()", vec![]).await?;
            phone.client.execute("document.querySelectorAll('#room-list li.room')[0].querySelector('button').click()", vec![]).await?;
            phone.find(".item").await?;
            phone.client.execute("document.querySelector('.item [data-answer=fail]').click();", vec![]).await?;
            phone.find(".fixed").await?;
            phone.client.execute("document.querySelector('.fixed').click();", vec![]).await?;
            phone.find(".fixed-text").await?;
            screens.push(("checklist", phone.client.execute(OVERFLOW, vec![]).await?));
            phone.click("#tab-hazards").await?;
            phone.find(&format!("[data-hazard=\"{id}\"]")).await?;
            screens.push(("hazards", phone.client.execute(OVERFLOW, vec![]).await?));
            phone.client.execute(&format!("document.querySelector('[data-hazard=\"{id}\"] button').click()"), vec![]).await?;
            phone.find("#hazard-title").await?;
            // Who answers for it; and no empty box where an inspector has nothing to do.
            assert!(phone.text("#hazard-owner").await?.contains(&owner_name), "the owner is named");
            assert_eq!(
                phone.client.execute("return getComputedStyle(document.querySelector('#actions')).display", vec![]).await?,
                "none"
            );
            screens.push(("hazard", phone.client.execute(OVERFLOW, vec![]).await?));
            for (name, wide) in screens {
                assert_eq!(wide, serde_json::json!([]), "{lang}: {name} is wider than 360 px");
            }
        }
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// The browser may close the app's IndexedDB connection (under memory pressure, or when storage
/// is cleared elsewhere). Here the connection is really closed just before the app's next
/// transaction; the app reopens it, the visit is saved and reaches the server.
#[tokio::test]
async fn a_closed_database_connection_is_reopened() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.until_synced(30).await?;
        phone.client.execute(
            "window.__closed = 0; const open = IDBDatabase.prototype.transaction; \
             IDBDatabase.prototype.transaction = function (...a) { IDBDatabase.prototype.transaction = open; window.__closed += 1; this.close(); return open.apply(this, a); };",
            vec![],
        ).await?;
        phone.client.execute("document.querySelector('#room-list li.room button').click()", vec![]).await?;
        phone.find("#visit-room").await?;
        phone.client.execute("document.querySelectorAll('.item [data-answer=pass]').forEach(b => b.click()); document.querySelector('#save-visit').click();", vec![]).await?;
        phone.until_visit_saved().await?;
        assert_eq!(phone.client.execute("return window.__closed", vec![]).await?, 1, "the connection was closed once");
        phone.click("#sync").await?;
        phone.until_synced(30).await?;
        assert_eq!(visits_by(&server).await?.len(), 1, "the visit reached the server");
        let body = phone.body().await?;
        assert!(!body.contains("本机存储出错"), "no storage error shown: {body}");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// A daily patrol that finds the same thing again: the room shows its open hazard, and the
/// failure lands on it as a new finding (a note and the photo) instead of a second hazard.
#[tokio::test]
async fn a_repeat_failure_lands_on_the_open_hazard() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        let open_room = "document.querySelectorAll('#room-list li.room')[0].querySelector('button').click()";
        let fail_first = "const i = document.querySelectorAll('.item'); i[0].querySelector('[data-answer=fail]').click();";
        // The first patrol: the first item fails, with a photo.
        phone.client.execute(open_room, vec![]).await?;
        phone.find("#visit-room").await?;
        assert!(phone.client.find(Locator::Css("#open-hazards")).await.is_err(), "nothing open yet");
        let code = phone.client.execute("return document.querySelectorAll('.item')[0].dataset.item", vec![]).await?;
        phone.client.execute(fail_first, vec![]).await?;
        phone.find(".fail-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 1", 15).await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.until_visit_saved().await?;
        phone.until_synced(30).await?;

        // The next patrol of the room: its open hazard is listed, and failing the item again
        // says it will be found again.
        phone.client.execute(open_room, vec![]).await?;
        phone.find("#open-hazards li").await?;
        phone.client.execute(fail_first, vec![]).await?;
        phone.find(".found-again").await?;
        phone.find(".fail-photo").await?.send_keys(&second_test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 1", 15).await?;
        phone.find(".fail-note").await?.send_keys("纸箱又堆回来了").await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.until_visit_saved().await?;
        phone.until_synced(30).await?;

        // On the server: one hazard for that item, with both findings.
        let token = server.token("supervisor").await?;
        let mut found = serde_json::Value::Null;
        for _ in 0..50 {
            let page = server.get_json(&token, "/api/v1/hazards?limit=500").await?;
            let of_item: Vec<serde_json::Value> = page["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| h["item_code"] == code)
                .cloned()
                .collect();
            assert_eq!(of_item.len(), 1, "one hazard for the item, not two: {page}");
            if of_item[0]["comments"].as_array().is_some_and(|c| !c.is_empty()) {
                found = of_item[0].clone();
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let comment = found["comments"][0]["text"].as_str().unwrap_or_default();
        assert!(comment.contains("再次发现") && comment.contains("纸箱又堆回来了"), "{found}");
        assert_eq!(found["photos_before"].as_array().map(Vec::len), Some(2), "both photos: {found}");
        let rounds = server.get_json(&token, "/api/v1/inspections").await?;
        let visits: usize = rounds["rounds"].as_array().into_iter().flatten().map(|r| r["visits"].as_array().map_or(0, Vec::len)).sum();
        assert_eq!(visits, 2, "both patrols are recorded: {rounds}");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// Sets a select to the option with `value`, as a user's choice would.
async fn pick(b: &Browser, css: &str, value: &str) -> anyhow::Result<()> {
    b.until(
        &format!("document.querySelector(\"{css} option[value='{value}']\") !== null"),
        10,
    )
    .await?;
    b.client
        .execute(
            &format!("const s = document.querySelector('{css}'); s.value = '{value}'; s.dispatchEvent(new Event('change', {{bubbles: true}}));"),
            vec![],
        )
        .await?;
    Ok(())
}

/// The inspection plan: a supervisor assigns the east station's daily patrol to its inspector,
/// in force since three days ago; the dashboard shows the rounds missed since; the inspector's
/// phone lists today's round with the rooms left, and walking one of them leaves one fewer.
#[tokio::test]
async fn a_missed_round_is_shown_and_the_phone_lists_the_round_due() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let me = server
        .get_json(&server.token("inspector").await?, "/api/v1/me")
        .await?;
    let (inspector, site) = (
        me["id"].as_str().unwrap_or_default().to_owned(),
        me["site_id"].as_str().unwrap_or_default().to_owned(),
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let base = server.url("/");
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let phone = Browser::start().await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.click("#tab-rounds").await?;
        desk.find("#new-plan").await?;
        pick(&desk, "#plan-site", &site).await?;
        pick(&desk, "#plan-assignee", &inspector).await?;
        fill(
            &desk,
            "#plan-starts",
            &(today - chrono::Duration::days(3)).to_string(),
        )
        .await?;
        desk.click("#save-plan").await?;
        desk.until(
            "document.querySelectorAll('#plan-list tr.plan').length === 1",
            10,
        )
        .await?;
        let row = desk.text("#plan-list tr.plan").await?;
        assert!(
            row.contains("防火巡查")
                && row.contains("每日")
                && row.contains("该检查应覆盖的全部房间"),
            "{row}"
        );

        desk.click("#tab-dashboard").await?;
        desk.find("#missed-rounds").await?;
        desk.until(
            "document.querySelectorAll('#missed-rounds tr.missed-round').length === 3",
            10,
        )
        .await?;
        let missed = desk.text("#missed-rounds").await?;
        let yesterday = (today - chrono::Duration::days(1)).to_string();
        assert!(
            missed.contains(&yesterday) && missed.contains("防火巡查（每日）"),
            "{missed}"
        );
        let violations = desk.axe_violations().await?;
        assert!(violations.is_empty(), "dashboard: {violations:?}");

        phone.login(&base, "inspector").await?;
        phone.find("#due-today li.due-round").await?;
        let due = phone.text("#due-today").await?;
        let rooms: usize = phone
            .client
            .execute(
                "return document.querySelectorAll('#due-today .due-room').length",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(0) as usize;
        assert!(rooms >= 2, "{due}");
        assert!(due.contains(&format!("未查 {rooms}/{rooms}")), "{due}");
        phone.click("#due-today .due-room").await?;
        phone.find("#visit-room").await?;
        phone
            .client
            .execute(
                "document.querySelectorAll('.item')[0].querySelector('[data-answer=pass]').click()",
                vec![],
            )
            .await?;
        phone
            .client
            .execute("document.querySelector('#save-visit').click()", vec![])
            .await?;
        phone.until_visit_saved().await?;
        let left = format!("未查 {}/{rooms}", rooms - 1);
        phone
            .until(
                &format!("document.querySelector('#due-today').textContent.includes('{left}')"),
                10,
            )
            .await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    phone.close().await;
    server.stop().await?;
    result
}

/// Fewer taps: a tap anywhere on a room's row opens it; "all pass" answers a category's yes/no
/// items, and an exception is then changed by hand; the visit saved says exactly that; the next
/// visit repeats those answers in one tap.
#[tokio::test]
async fn a_row_opens_its_room_and_all_pass_answers_a_category() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone
            .client
            .execute(
                "document.querySelector('#room-list li.room .room-meta').click()",
                vec![],
            )
            .await?;
        phone.find("#visit-room").await?;
        let card = "document.querySelector('.all-pass').closest('.card')";
        let yes_no: u64 = phone
            .client
            .execute(
                &format!("return {card}.querySelectorAll('[data-answer=pass]').length"),
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(0);
        anyhow::ensure!(yes_no >= 2, "a category with several yes/no items");
        phone.click(".all-pass").await?;
        phone
            .until(
                &format!("{card}.querySelectorAll('[data-answer=pass].on').length === {yes_no}"),
                5,
            )
            .await?;
        // The exception: the first item is not applicable after all.
        phone
            .client
            .execute(
                &format!("{card}.querySelector('[data-answer=na]').click()"),
                vec![],
            )
            .await?;
        phone
            .until(
                &format!(
                    "{card}.querySelectorAll('[data-answer=pass].on').length === {}",
                    yes_no - 1
                ),
                5,
            )
            .await?;
        phone
            .client
            .execute("document.querySelector('#save-visit').click()", vec![])
            .await?;
        phone.until_visit_saved().await?;
        phone.until_synced(30).await?;
        let token = server.token("supervisor").await?;
        let rounds = server.get_json(&token, "/api/v1/inspections").await?;
        let answers = rounds["rounds"][0]["visits"][0]["answers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let kinds = |k: &str| answers.iter().filter(|a| a["value"]["kind"] == k).count() as u64;
        assert_eq!(
            (kinds("pass"), kinds("not_applicable"), answers.len() as u64),
            (yes_no - 1, 1, yes_no),
            "{rounds}"
        );
        // The next time, the room's last answers are repeated in one tap.
        phone.client.execute("document.querySelector('#room-list li.room .room-meta').click()", vec![]).await?;
        phone.click("#repeat-last").await?;
        phone.until(&format!("document.querySelectorAll('[data-answer=pass].on').length === {} && document.querySelectorAll('[data-answer=na].on').length === 1", yes_no - 1), 5).await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// 随手拍: a rectification owner — no inspector — reports what they came across from the phone
/// (room, what is wrong, a photo); it reaches the ledger as 随手拍 and the safety office
/// registers it at the desk.
#[tokio::test]
async fn anyone_reports_a_hazard_and_the_desk_registers_it() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let result = async {
        phone.login(&base, "owner").await?;
        phone.click("#snap-report").await?;
        phone.find("#report").await?;
        // Nothing is sent without a room and a photo; the form says what is missing.
        phone.click("#send-report").await?;
        phone
            .until("document.querySelector('#report-error') !== null", 5)
            .await?;
        choose(&phone, "#report-room", 1).await?;
        phone
            .find("#report-description")
            .await?
            .send_keys("楼梯间堆放纸箱，堵塞疏散通道")
            .await?;
        phone
            .find("#report-photo")
            .await?
            .send_keys(&test_image().display().to_string())
            .await?;
        phone.find("#report .thumbs img").await?;
        phone.click("#send-report").await?;
        phone.find("#hazard-status").await?;
        phone.until_synced(30).await?;

        let token = server.token("supervisor").await?;
        let page = server.get_json(&token, "/api/v1/hazards?limit=500").await?;
        let h = page["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|h| h["description"] == "楼梯间堆放纸箱，堵塞疏散通道")
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("the report reached the server: {page}"))?;
        assert_eq!(h["status"], "reported");
        assert_eq!(h["photos_before"].as_array().map(Vec::len), Some(1), "{h}");
        assert!(h["round_id"].is_null(), "outside any round: {h}");
        let id = h["id"].as_str().unwrap_or_default().to_owned();

        desk.login(&base, "supervisor").await?;
        desk.click("#tab-desk").await?;
        desk.find(&format!("tr[data-hazard='{id}'] a"))
            .await?
            .click()
            .await?;
        desk.find("#reg-measures")
            .await?
            .send_keys("清理纸箱，张贴禁止堆放标识")
            .await?;
        let owner = server
            .get_json(&server.token("owner").await?, "/api/v1/me")
            .await?;
        pick(
            &desk,
            "#reg-owner",
            owner["id"].as_str().unwrap_or_default(),
        )
        .await?;
        desk.click("#do-register").await?;
        desk.until(
            "document.querySelector('#hazard-status').dataset.status === 'registered'",
            10,
        )
        .await?;
        desk.until_synced(30).await?;
        let registered = server
            .get_json(&token, &format!("/api/v1/hazards/{id}"))
            .await?;
        assert_eq!(registered["hazard"]["status"], "registered", "{registered}");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    desk.close().await;
    server.stop().await?;
    result
}

/// 风险分级管控: the safety office adds a risk point at the desk from an LEC assessment (the
/// level follows from it); the four-colour list shows it, and the inspector's phone shows the
/// room's colour in its room list.
#[tokio::test]
async fn a_risk_point_is_shown_on_its_room() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let me = server
        .get_json(&server.token("inspector").await?, "/api/v1/me")
        .await?;
    let boot = server
        .get_json(&server.token("inspector").await?, "/api/v1/bootstrap")
        .await?;
    let room = boot["rooms"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["site_id"] == me["site_id"])
        .and_then(|r| r["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let owner = server
        .get_json(&server.token("owner").await?, "/api/v1/me")
        .await?;
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let phone = Browser::start().await?;
    let result = async {
        desk.login(&base, "supervisor").await?;
        desk.click("#tab-registers").await?;
        desk.find("#new-risk").await?;
        pick(&desk, "#risk-room", &room).await?;
        fill(&desk, "#risk-hazard", "医用氧气瓶泄漏遇火源燃爆").await?;
        // 3 × 6 × 40 = 720: red, whatever the level select said.
        fill(&desk, "#risk-l", "3").await?;
        fill(&desk, "#risk-e", "6").await?;
        fill(&desk, "#risk-c", "40").await?;
        desk.until("document.querySelector('#risk-d') && document.querySelector('#risk-d').textContent === 'D = 720'", 5).await?;
        fill(&desk, "#risk-controls", "专库存放、通风、禁火、防倾倒").await?;
        pick(&desk, "#risk-responsible", owner["id"].as_str().unwrap_or_default()).await?;
        desk.click("#save-risk").await?;
        desk.until("document.querySelectorAll('#risk-list tr.risk[data-risk=red]').length === 1", 10).await?;
        assert!(desk.text("#risk-counts").await?.contains("重大风险（红） 1"));
        let violations = desk.axe_violations().await?;
        assert!(violations.is_empty(), "risk register: {violations:?}");

        phone.login(&base, "inspector").await?;
        phone.find(&format!("#room-list li[data-room='{room}'] .tag[data-risk=red]")).await?;
        let tag = phone.text(&format!("#room-list li[data-room='{room}'] .tag[data-risk=red]")).await?;
        assert_eq!(tag, "风险·红");
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    phone.close().await;
    server.stop().await?;
    result
}

/// Evidence photos: a failed item's photo is stored stamped — when, where, who — burned into a
/// dark band along its bottom and carried as the JPEG's comment; both are read back from what
/// the server stores.
#[tokio::test]
async fn an_evidence_photo_carries_its_stamp() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        let room = phone.client.execute("return document.querySelector('#room-list li.room .room-name').firstChild.textContent", vec![]).await?;
        let room = room.as_str().unwrap_or_default().trim().to_owned();
        phone.client.execute("document.querySelector('#room-list li.room .room-meta').click()", vec![]).await?;
        phone.find("#visit-room").await?;
        phone.client.execute("document.querySelectorAll('.item')[0].querySelector('[data-answer=fail]').click()", vec![]).await?;
        phone.find(".fail-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 1", 15).await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.until_visit_saved().await?;
        phone.until_synced(30).await?;

        let token = server.token("supervisor").await?;
        let page = server.get_json(&token, "/api/v1/hazards?limit=10").await?;
        let hash = page["rows"][0]["photos_before"][0].as_str().unwrap_or_default().to_owned();
        let bytes = reqwest::Client::new()
            .get(server.url(&format!("/api/v1/blobs/{hash}")))
            .bearer_auth(&token)
            .send()
            .await?
            .bytes()
            .await?;
        // The comment: FF D8, then FF FE, its length, the text.
        anyhow::ensure!(bytes.len() > 6 && bytes[..4] == [0xFF, 0xD8, 0xFF, 0xFE], "a JPEG with a comment first");
        let len = usize::from(u16::from_be_bytes([bytes[4], bytes[5]])) - 2;
        let stamp = String::from_utf8(bytes[6..6 + len].to_vec())?;
        let me = server.get_json(&server.token("inspector").await?, "/api/v1/me").await?;
        let today = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive()
            .to_string();
        assert!(stamp.starts_with(&today), "{stamp}");
        assert!(stamp.contains(&room) && stamp.contains("城东急救站"), "{stamp} ({room})");
        assert!(stamp.ends_with(me["display_name"].as_str().unwrap_or("?")), "{stamp}");
        // The band: the bottom of the stored picture is darker than the same rows of the photo
        // taken, with light text in it.
        let stored = image::load_from_memory(&bytes)?.to_luma8();
        let original = image::open(test_image())?.resize_exact(stored.width(), stored.height(), image::imageops::FilterType::Triangle).to_luma8();
        let rows = stored.height() / 30;
        let band = |img: &image::GrayImage| {
            let px: Vec<u8> = (stored.height() - rows..stored.height())
                .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
                .map(|(x, y)| img.get_pixel(x, y).0[0])
                .collect();
            let mean = px.iter().map(|p| f64::from(*p)).sum::<f64>() / px.len() as f64;
            let light = px.iter().filter(|p| **p > 200).count() as f64 / px.len() as f64;
            (mean, light)
        };
        let ((stamped, light), (plain, _)) = (band(&stored), band(&original));
        assert!(stamped < plain * 0.75, "the band darkens the photo: {stamped} against {plain}");
        assert!(light > 0.005, "light text in the band: {light}");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// The inspector rings the problem and points an arrow at it on the photo before saving: the
/// marked-up photo replaces the one taken, keeps its evidence stamp, and is what the server stores.
#[tokio::test]
async fn a_photo_is_marked_up_before_it_is_saved() -> anyhow::Result<()> {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let mut server = Server::start().await?;
    let base = server.url("/");
    let phone = Browser::start().await?;
    let result = async {
        phone.login(&base, "inspector").await?;
        phone.find("#room-list li.room").await?;
        phone.client.execute("document.querySelector('#room-list li.room .room-meta').click()", vec![]).await?;
        phone.find("#visit-room").await?;
        phone.client.execute("document.querySelectorAll('.item')[0].querySelector('[data-answer=fail]').click()", vec![]).await?;
        phone.find(".fail-photo").await?.send_keys(&test_image().display().to_string()).await?;
        phone.until("document.querySelectorAll('.thumbs img').length === 1", 15).await?;
        phone.client.execute("window.__taken = document.querySelector('.thumbs img').src", vec![]).await?;
        phone.click(".thumbs button.thumb").await?;
        let canvas = phone.find(".cam canvas").await?;
        let violations = phone.axe_violations().await?;
        assert!(violations.is_empty(), "the mark-up sheet: {violations:?}");
        // A ring dragged across the middle, then an arrow from the lower left towards it.
        let drag = |from: (f64, f64), to: (f64, f64)| {
            MouseActions::new("finger".into())
                .then(PointerAction::MoveToElement { element: canvas.clone(), duration: None, x: from.0, y: from.1 })
                .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
                .then(PointerAction::MoveToElement { element: canvas.clone(), duration: Some(Duration::from_millis(200)), x: (from.0 + to.0) / 2.0, y: (from.1 + to.1) / 2.0 })
                .then(PointerAction::MoveToElement { element: canvas.clone(), duration: Some(Duration::from_millis(200)), x: to.0, y: to.1 })
                .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
        };
        phone.client.perform_actions(drag((-70.0, -50.0), (70.0, 50.0))).await?;
        phone.click(".cam [data-tool=arrow]").await?;
        phone.client.perform_actions(drag((-120.0, 120.0), (-30.0, 40.0))).await?;
        phone.click("#mk-done").await?;
        phone.until("!document.querySelector('.cam') && document.querySelectorAll('.thumbs img').length === 1 && document.querySelector('.thumbs img').src !== window.__taken", 15).await?;
        phone.client.execute("document.querySelector('#save-visit').click()", vec![]).await?;
        phone.until_visit_saved().await?;
        phone.until_synced(30).await?;

        let token = server.token("supervisor").await?;
        let page = server.get_json(&token, "/api/v1/hazards?limit=10").await?;
        let photos = page["rows"][0]["photos_before"].as_array().cloned().unwrap_or_default();
        assert_eq!(photos.len(), 1, "the marked-up photo replaced the one taken: {photos:?}");
        let bytes = reqwest::Client::new()
            .get(server.url(&format!("/api/v1/blobs/{}", photos[0].as_str().unwrap_or_default())))
            .bearer_auth(&token)
            .send()
            .await?
            .bytes()
            .await?;
        // The evidence stamp is still in it.
        anyhow::ensure!(bytes.len() > 6 && bytes[..4] == [0xFF, 0xD8, 0xFF, 0xFE], "a JPEG with a comment first");
        let len = usize::from(u16::from_be_bytes([bytes[4], bytes[5]])) - 2;
        let stamp = String::from_utf8(bytes[6..6 + len].to_vec())?;
        assert!(stamp.contains("城东急救站"), "{stamp}");
        // The marks: bright red strokes the photo taken does not have.
        let stored = image::load_from_memory(&bytes)?.to_rgb8();
        let original = image::open(test_image())?
            .resize_exact(stored.width(), stored.height(), image::imageops::FilterType::Triangle)
            .to_rgb8();
        let marked = |img: &image::RgbImage| img.pixels().filter(|p| p.0[0] > 225 && p.0[1] < 90 && p.0[2] < 120).count();
        let (after, before) = (marked(&stored), marked(&original));
        assert!(after > before + 800, "red marks on the stored photo: {after} red pixels against {before}");
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    server.stop().await?;
    result
}

/// One person, several roles: the administrator makes a station head an inspector who also
/// answers for the station's rectifications; on the phone the head has rooms to walk and, on the
/// same login, starts the rectification of a hazard of their department.
#[tokio::test]
async fn a_station_head_inspects_and_rectifies_on_one_login() -> anyhow::Result<()> {
    let mut server = Server::start().await?;
    let id = saferounds_e2e::api::registered_hazard(&server, "站长办公室插线板串接").await?;
    let owner = server.login("owner").await?;
    let (site, dept) = (
        owner
            .user
            .site_id
            .map(|s| s.to_string())
            .unwrap_or_default(),
        owner
            .user
            .department_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let base = server.url("/");
    const PASSWORD: &str = "east-station-head-7";
    let desk = Browser::start_with(&["--window-size=1280,900"]).await?;
    let made = async {
        desk.login(&base, "admin").await?;
        desk.click("#tab-admin").await?;
        fill(&desk, "#user-username", "east.head").await?;
        fill(&desk, "#user-name", "站长 周宁").await?;
        desk.click("#user-extra-roles input[value='rectification_owner']").await?;
        pick(&desk, "#user-site", &site).await?;
        pick(&desk, "#user-department", &dept).await?;
        fill(&desk, "#user-password", PASSWORD).await?;
        desk.click("#save-user").await?;
        desk.until("document.querySelector(\"tr[data-user='east.head'] td.roles\") && document.querySelector(\"tr[data-user='east.head'] td.roles\").textContent === '巡查员、整改责任人'", 10).await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await;
    made?;
    let phone = Browser::start().await?;
    let result = async {
        phone.login_as(&base, "east.head", PASSWORD).await?;
        // As an inspector: the station's rooms to walk, and the app opens on them.
        phone.find("#room-list").await?;
        // As the owner: the department's hazard is on their list, with the owner's step.
        phone.click("#tab-hazards").await?;
        phone
            .find(&format!("[data-hazard=\"{id}\"] button"))
            .await?;
        phone
            .client
            .execute(
                &format!("document.querySelector('[data-hazard=\"{id}\"] button').click()"),
                vec![],
            )
            .await?;
        phone.click("#do-start").await?;
        phone
            .until(
                "document.querySelector('#hazard-status').dataset.status === 'rectifying'",
                10,
            )
            .await?;
        phone.until_synced(30).await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await;
    result?;
    assert_eq!(
        saferounds_e2e::api::status_of(&server, id).await?,
        "rectifying"
    );
    server.stop().await?;
    Ok(())
}
