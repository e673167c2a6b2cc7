//! Photos on the device: downscaled (long side 1600 px, JPEG) before storing, addressed by the
//! SHA-256 of their bytes. Also signature canvases, and the calls into the camera module
//! (scanning QR labels, marking up photos).

use leptos::prelude::WithUntracked;
use saferounds_shared::ids::PhotoHash;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

pub const LONG_SIDE: u32 = 1600;

/// The scaled size for an image, keeping its aspect ratio; never enlarges.
pub fn scaled(w: u32, h: u32, long_side: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= long_side || long == 0 {
        return (w.max(1), h.max(1));
    }
    let f = f64::from(long_side) / f64::from(long);
    (
        ((f64::from(w) * f).round() as u32).max(1),
        ((f64::from(h) * f).round() as u32).max(1),
    )
}

fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    let b64 = url.split_once(',')?.1;
    let bin = web_sys::window()?.atob(b64).ok()?;
    Some(bin.chars().map(|c| c as u8).collect())
}

pub async fn sha256(bytes: &[u8]) -> Result<PhotoHash, JsValue> {
    let subtle = web_sys::window().ok_or("no window")?.crypto()?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_u8_array("SHA-256", bytes)?).await?;
    let arr = js_sys::Uint8Array::new(&digest).to_vec();
    let hex: String = arr.iter().map(|b| format!("{b:02x}")).collect();
    PhotoHash::parse(&hex).map_err(|_| JsValue::from_str("bad hash"))
}

fn canvas(w: u32, h: u32) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), JsValue> {
    let doc = web_sys::window()
        .ok_or("no window")?
        .document()
        .ok_or("no document")?;
    let c: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
    c.set_width(w);
    c.set_height(h);
    let ctx: CanvasRenderingContext2d = c.get_context("2d")?.ok_or("no 2d")?.dyn_into()?;
    Ok((c, ctx))
}

/// Reads a chosen file, downscales it, stamps it as evidence and encodes JPEG; returns (hash,
/// bytes, data URL to show). The stamp (`Bootstrap::evidence_stamp`: when, where, who) is burned into
/// a dark band along the bottom — the original is never kept — and also written into the JPEG as
/// a comment, so it can be read back exactly.
pub async fn capture(
    file: web_sys::File,
    stamp: &str,
) -> Result<(PhotoHash, Vec<u8>, String), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let bmp: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(&file)?)
        .await?
        .dyn_into()?;
    let (w, h) = scaled(bmp.width(), bmp.height(), LONG_SIDE);
    let (c, ctx) = canvas(w, h)?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bmp, 0.0, 0.0, f64::from(w), f64::from(h))?;
    bmp.close();
    let (w, h) = (f64::from(w), f64::from(h));
    let size = (w.min(h) / 28.0).clamp(12.0, 40.0);
    let band = size * 1.8;
    ctx.set_fill_style_str("rgba(0, 0, 0, 0.6)");
    ctx.fill_rect(0.0, h - band, w, band);
    ctx.set_fill_style_str("#fff");
    ctx.set_font(&format!("{}px sans-serif", size.round() as u32));
    ctx.fill_text_with_max_width(stamp, size * 0.5, h - band * 0.32, w - size)?;
    let url = c.to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.8))?;
    let bytes = with_comment(data_url_bytes(&url).ok_or("encode failed")?, stamp);
    let hash = sha256(&bytes).await?;
    Ok((hash, bytes, url))
}

/// The evidence stamp of a photo taken now in `room` by the user of this device.
pub fn stamp(ctx: crate::state::AppCtx, room: Option<saferounds_shared::ids::RoomId>) -> String {
    let person = ctx
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.display_name.clone()))
        .unwrap_or_default();
    ctx.boot
        .with_untracked(|b| {
            b.as_ref()
                .map(|b| b.evidence_stamp(crate::state::now_utc(), room, &person))
        })
        .unwrap_or_default()
}

/// A JPEG with a comment segment (COM, `FF FE`) right after its start marker.
pub fn with_comment(jpeg: Vec<u8>, text: &str) -> Vec<u8> {
    let text = &text.as_bytes()[..text.len().min(65_000)];
    if jpeg.len() < 2 || jpeg[..2] != [0xFF, 0xD8] {
        return jpeg;
    }
    let len = (text.len() + 2) as u16;
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A canvas's drawing as PNG bytes with its hash (signatures).
pub async fn canvas_png(c: &HtmlCanvasElement) -> Result<(PhotoHash, Vec<u8>), JsValue> {
    let url = c.to_data_url()?;
    let bytes = data_url_bytes(&url).ok_or("encode failed")?;
    Ok((sha256(&bytes).await?, bytes))
}

/// Calls `name` in the camera module (its own WASM module, started on first use by `boot.js`)
/// with the user's language and `arg`: the promise's answer, `null` when the user cancelled.
async fn camera(name: &str, arg: &str, lang: saferounds_shared::Lang) -> Result<JsValue, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k));
    let load: js_sys::Function = get(&window, "__srCamera")?.dyn_into()?;
    let module = JsFuture::from(load.call0(&window)?.dyn_into::<js_sys::Promise>()?).await?;
    let f: js_sys::Function = get(&module, name)?.dyn_into()?;
    let lang = if lang == saferounds_shared::Lang::En {
        "en"
    } else {
        "zh"
    };
    let args = if arg.is_empty() {
        js_sys::Array::of1(&lang.into())
    } else {
        js_sys::Array::of2(&arg.into(), &lang.into())
    };
    JsFuture::from(f.apply(&module, &args)?.dyn_into::<js_sys::Promise>()?).await
}

/// Scans a QR label with the camera module: the live camera, or a photo of the label where the
/// browser gives no camera view. `None` when the user cancelled.
pub async fn scan_qr(lang: saferounds_shared::Lang) -> Result<Option<String>, JsValue> {
    Ok(camera("scan", "", lang).await?.as_string())
}

/// Lets the user draw rings and arrows on a photo taken (`bytes`, shown as `url`) before it is
/// saved. The marked-up JPEG keeps the evidence stamp of the photo it replaces. `None` when the
/// user drew nothing or cancelled.
pub async fn mark_up(
    bytes: &[u8],
    url: &str,
    lang: saferounds_shared::Lang,
) -> Result<Option<(PhotoHash, Vec<u8>, String)>, JsValue> {
    let Some(url) = camera("mark_up", url, lang).await?.as_string() else {
        return Ok(None);
    };
    let jpeg = data_url_bytes(&url).ok_or("encode failed")?;
    let jpeg = match comment(bytes) {
        Some(stamp) => with_comment(jpeg, stamp),
        None => jpeg,
    };
    Ok(Some((sha256(&jpeg).await?, jpeg, url)))
}

/// The comment `with_comment` put into a JPEG (its evidence stamp).
pub fn comment(jpeg: &[u8]) -> Option<&str> {
    if jpeg.get(..4)? != [0xFF, 0xD8, 0xFF, 0xFE] {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*jpeg.get(4)?, *jpeg.get(5)?]));
    std::str::from_utf8(jpeg.get(6..4 + len)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_keeps_ratio_and_never_enlarges() {
        assert_eq!(scaled(4000, 3000, 1600), (1600, 1200));
        assert_eq!(scaled(3000, 4000, 1600), (1200, 1600));
        assert_eq!(scaled(800, 600, 1600), (800, 600));
        assert_eq!(scaled(10_000, 10, 1600), (1600, 2));
    }

    #[test]
    fn the_stamp_rides_in_a_jpeg_comment() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9];
        let stamped = with_comment(jpeg.clone(), "2026-12-05 14:10 · 配电室 · 张三");
        let text = "2026-12-05 14:10 · 配电室 · 张三".as_bytes();
        assert_eq!(&stamped[..4], &[0xFF, 0xD8, 0xFF, 0xFE]);
        assert_eq!(
            u16::from_be_bytes([stamped[4], stamped[5]]) as usize,
            text.len() + 2
        );
        assert_eq!(&stamped[6..6 + text.len()], text);
        assert_eq!(&stamped[6 + text.len()..], &jpeg[2..]);
        // And read back, as a marked-up photo keeps it.
        assert_eq!(comment(&stamped), Some("2026-12-05 14:10 · 配电室 · 张三"));
        assert_eq!(comment(&jpeg), None);
        assert_eq!(comment(&stamped[..8]), None);
        // Not a JPEG: left as it is.
        assert_eq!(with_comment(vec![1, 2, 3], "x"), vec![1, 2, 3]);
    }
}
