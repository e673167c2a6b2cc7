//! Photos on the device: downscaled (long side 1600 px, JPEG) before storing, addressed by the
//! SHA-256 of their bytes. Also signature canvases and QR scanning where the browser can.

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

/// Reads a chosen file, downscales it, encodes JPEG; returns (hash, bytes, object URL).
pub async fn capture(file: web_sys::File) -> Result<(PhotoHash, Vec<u8>, String), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let bmp: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(&file)?)
        .await?
        .dyn_into()?;
    let (w, h) = scaled(bmp.width(), bmp.height(), LONG_SIDE);
    let (c, ctx) = canvas(w, h)?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bmp, 0.0, 0.0, f64::from(w), f64::from(h))?;
    bmp.close();
    let url = c.to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.8))?;
    let bytes = data_url_bytes(&url).ok_or("encode failed")?;
    let hash = sha256(&bytes).await?;
    Ok((hash, bytes, url))
}

/// A canvas's drawing as PNG bytes with its hash (signatures).
pub async fn canvas_png(c: &HtmlCanvasElement) -> Result<(PhotoHash, Vec<u8>), JsValue> {
    let url = c.to_data_url()?;
    let bytes = data_url_bytes(&url).ok_or("encode failed")?;
    Ok((sha256(&bytes).await?, bytes))
}

/// Reads a QR code from a photo with the browser's BarcodeDetector, where it exists.
pub async fn scan_qr(file: web_sys::File) -> Result<Option<String>, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let ctor = js_sys::Reflect::get(&window, &JsValue::from_str("BarcodeDetector"))?;
    let Some(ctor) = ctor.dyn_ref::<js_sys::Function>() else {
        return Ok(None);
    };
    let opts = js_sys::Object::new();
    let formats = js_sys::Array::of1(&JsValue::from_str("qr_code"));
    js_sys::Reflect::set(&opts, &JsValue::from_str("formats"), &formats)?;
    let detector = js_sys::Reflect::construct(ctor, &js_sys::Array::of1(&opts))?;
    let bmp = JsFuture::from(window.create_image_bitmap_with_blob(&file)?).await?;
    let detect: js_sys::Function =
        js_sys::Reflect::get(&detector, &JsValue::from_str("detect"))?.dyn_into()?;
    let found = JsFuture::from(
        detect
            .call1(&detector, &bmp)?
            .dyn_into::<js_sys::Promise>()?,
    )
    .await?;
    let arr: js_sys::Array = found.dyn_into()?;
    Ok(arr
        .iter()
        .next()
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("rawValue")).ok())
        .and_then(|v| v.as_string()))
}

pub fn has_barcode_detector() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::has(&w, &JsValue::from_str("BarcodeDetector")).ok())
        .unwrap_or(false)
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
}
