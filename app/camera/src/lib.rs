//! The camera module: what the phone does with the camera beyond taking a photo — reading a
//! room's QR label (from the live camera, or from a photo where there is no camera view) and
//! marking up an evidence photo with a ring or an arrow.
//!
//! It is a WASM module of its own, apart from the phone module: the app loads it the first time
//! it is needed (`boot.js`, `window.__srCamera`) and the service worker keeps it after the shell,
//! so it works offline without weighing on the first load. It draws its own full-screen sheet
//! with plain DOM calls (no framework) and answers the app with a promise: the text read, or the
//! marked-up photo, or `null` when the user cancelled.
#![forbid(unsafe_code)]

pub mod marks;
pub mod qr;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use marks::{Mark, Tool};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, HtmlImageElement,
    HtmlInputElement, HtmlVideoElement, MediaStream, PointerEvent,
};

/// The sheet's own styles, added to the page once (the shell's stylesheet stays as it is).
const STYLE: &str = "\
.cam{position:fixed;inset:0;z-index:100;background:#111;color:#fff;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:.75rem;padding:.75rem}\
.cam video,.cam canvas{max-width:100%;max-height:68vh;border-radius:8px;background:#000}\
.cam canvas{touch-action:none}\
.cam .cam-hint{margin:0;text-align:center}\
.cam .cam-actions{display:flex;flex-wrap:wrap;gap:.5rem;justify-content:center}\
.cam .cam-actions button,.cam .cam-actions label{background:#fff;color:#1f2328;border:1px solid #dadce0;border-radius:8px;padding:.6rem .9rem;font-size:1rem;min-height:44px;display:inline-flex;align-items:center}\
.cam .cam-actions button.on{background:#c62828;color:#fff;border-color:#c62828}\
.cam input[type=file]{position:absolute;width:1px;height:1px;opacity:0}";

/// An interface string in the user's language (`zh` unless the app says `en`).
fn tr(lang: &str, zh: &'static str, en: &'static str) -> &'static str {
    if lang == "en" { en } else { zh }
}

fn document() -> Result<Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document".into())
}

fn find<T: JsCast>(root: &Element, css: &str) -> Result<T, JsValue> {
    root.query_selector(css)?
        .ok_or_else(|| JsValue::from_str(css))?
        .dyn_into::<T>()
        .map_err(|_| JsValue::from_str(css))
}

/// An event handler the page calls into.
type Handler = Closure<dyn FnMut(JsValue)>;

/// One open sheet: its element, the promise's resolver, and what must be let go when it closes
/// (event handlers, the camera, the frame timer).
struct Sheet {
    root: Element,
    resolve: RefCell<Option<js_sys::Function>>,
    handlers: RefCell<Vec<Handler>>,
    stream: RefCell<Option<MediaStream>>,
    timer: Cell<Option<i32>>,
}

impl Sheet {
    /// Opens a sheet over the page with `html` (constant markup: no user text goes into it).
    fn open(label: &str, html: &str) -> Result<(Rc<Sheet>, js_sys::Promise), JsValue> {
        let doc = document()?;
        if doc.get_element_by_id("cam-style").is_none() {
            let style = doc.create_element("style")?;
            style.set_id("cam-style");
            style.set_text_content(Some(STYLE));
            doc.head().ok_or("no head")?.append_child(&style)?;
        }
        let root = doc.create_element("div")?;
        root.set_class_name("cam");
        root.set_attribute("role", "dialog")?;
        root.set_attribute("aria-modal", "true")?;
        root.set_attribute("aria-label", label)?;
        root.set_inner_html(html);
        doc.body().ok_or("no body")?.append_child(&root)?;
        let sheet = Rc::new(Sheet {
            root,
            resolve: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            stream: RefCell::new(None),
            timer: Cell::new(None),
        });
        let s = sheet.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            s.resolve.replace(Some(resolve));
        });
        Ok((sheet, promise))
    }

    /// Calls `f` on `event` at the element `css` of the sheet for as long as the sheet is open.
    fn on(
        self: &Rc<Self>,
        css: &str,
        event: &str,
        f: impl FnMut(JsValue) + 'static,
    ) -> Result<(), JsValue> {
        let target: Element = find(&self.root, css)?;
        let handler = Handler::new(f);
        target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref())?;
        self.handlers.borrow_mut().push(handler);
        Ok(())
    }

    fn say(&self, text: &str) {
        if let Ok(hint) = find::<Element>(&self.root, ".cam-hint") {
            hint.set_text_content(Some(text));
        }
    }

    /// Closes the sheet (once) and answers the app with `value`.
    fn close(&self, value: JsValue) {
        let Some(resolve) = self.resolve.take() else {
            return;
        };
        if let Some(id) = self.timer.take()
            && let Some(w) = web_sys::window()
        {
            w.clear_interval_with_handle(id);
        }
        if let Some(stream) = self.stream.take() {
            for track in stream.get_tracks().iter() {
                if let Ok(t) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                    t.stop();
                }
            }
        }
        self.root.remove();
        let _ = resolve.call1(&JsValue::NULL, &value);
        // The handlers go after the one running now has returned.
        let handlers = self.handlers.take();
        wasm_bindgen_futures::spawn_local(async move { drop(handlers) });
    }
}

/// Draws `source` (a video frame, a bitmap) scaled to at most `long` pixels on its long side and
/// reads a QR code from it.
fn read_from(source: &JsValue, w: u32, h: u32, long: u32) -> Result<Option<String>, JsValue> {
    if w == 0 || h == 0 {
        return Ok(None);
    }
    let f = (f64::from(long) / f64::from(w.max(h))).min(1.0);
    let (sw, sh) = (
        ((f64::from(w) * f) as u32).max(1),
        ((f64::from(h) * f) as u32).max(1),
    );
    let canvas: HtmlCanvasElement = document()?.create_element("canvas")?.dyn_into()?;
    canvas.set_width(sw);
    canvas.set_height(sh);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or("no 2d")?.dyn_into()?;
    let (dw, dh) = (f64::from(sw), f64::from(sh));
    if let Some(video) = source.dyn_ref::<HtmlVideoElement>() {
        ctx.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, dw, dh)?;
    } else {
        ctx.draw_image_with_image_bitmap_and_dw_and_dh(source.unchecked_ref(), 0.0, 0.0, dw, dh)?;
    }
    let data = ctx.get_image_data(0.0, 0.0, dw, dh)?.data();
    Ok(qr::read(
        sw as usize,
        sh as usize,
        &qr::luma_from_rgba(&data),
    ))
}

/// Reads a QR code from a photo file, at two scales (a small label in a large photo reads
/// better larger, a large one faster smaller).
async fn read_photo(file: web_sys::File) -> Result<Option<String>, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let bmp: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(&file)?)
        .await?
        .dyn_into()?;
    let (w, h) = (bmp.width(), bmp.height());
    let mut found = None;
    for long in [1600, 800] {
        found = read_from(&bmp, w, h, long)?;
        if found.is_some() {
            break;
        }
    }
    bmp.close();
    Ok(found)
}

/// Scans a QR code: the live camera where the browser gives one, and always a button to read it
/// from a photo instead. Answers the text read, or `null` when the user cancels.
#[wasm_bindgen]
pub async fn scan(lang: String) -> Result<JsValue, JsValue> {
    let l = lang.as_str();
    let html = format!(
        "<video playsinline muted autoplay aria-hidden=\"true\"></video>\
         <p class=\"cam-hint\" role=\"status\">{}</p>\
         <div class=\"cam-actions\"><label for=\"cam-photo\">{}</label>\
         <input id=\"cam-photo\" type=\"file\" accept=\"image/*\" capture=\"environment\">\
         <button id=\"cam-cancel\" type=\"button\">{}</button></div>",
        tr(l, "正在打开相机…", "Opening the camera…"),
        tr(l, "拍照识别", "Read from a photo"),
        tr(l, "取消", "Cancel"),
    );
    let (sheet, done) = Sheet::open(tr(l, "扫码", "Scan QR"), &html)?;
    let s = sheet.clone();
    sheet.on("#cam-cancel", "click", move |_| s.close(JsValue::NULL))?;
    let s = sheet.clone();
    let owned = lang.clone();
    sheet.on("#cam-photo", "change", move |ev: JsValue| {
        let Some(file) = ev
            .dyn_ref::<web_sys::Event>()
            .and_then(|e| e.target())
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            .and_then(|i| {
                let f = i.files().and_then(|f| f.get(0));
                i.set_value("");
                f
            })
        else {
            return;
        };
        let s = s.clone();
        let lang = owned.clone();
        s.say(tr(&lang, "正在识别…", "Reading…"));
        wasm_bindgen_futures::spawn_local(async move {
            match read_photo(file).await {
                Ok(Some(text)) => s.close(JsValue::from_str(&text)),
                Ok(None) => s.say(tr(
                    &lang,
                    "照片中没有识别到二维码：请靠近标签、对准后再拍。",
                    "No QR code found in the photo: move closer to the label and try again.",
                )),
                Err(_) => s.say(tr(
                    &lang,
                    "无法读取这张照片，请重拍。",
                    "This photo cannot be read; take it again.",
                )),
            }
        });
    })?;
    let video: HtmlVideoElement = find(&sheet.root, "video")?;
    // The camera starts beside the sheet: while the browser asks for permission (which may
    // never be answered) a photo can already be read, and the answer comes from either.
    let s = sheet.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = watch(&s, &video, &lang).await {
            web_sys::console::warn_2(&"camera".into(), &e);
            video.set_hidden(true);
            s.say(tr(
                &lang,
                "无法使用相机：请点“拍照识别”拍下房间标签。",
                "The camera is not available: use “Read from a photo” to photograph the room's label.",
            ));
        }
    });
    JsFuture::from(done).await
}

/// Starts the back camera in `video` and reads its frames five times a second until a code is
/// found or the sheet closes.
async fn watch(sheet: &Rc<Sheet>, video: &HtmlVideoElement, lang: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let devices = window.navigator().media_devices()?;
    let constraints = web_sys::MediaStreamConstraints::new();
    let want = js_sys::Object::new();
    js_sys::Reflect::set(&want, &"facingMode".into(), &"environment".into())?;
    constraints.set_video(&want);
    let stream: MediaStream =
        JsFuture::from(devices.get_user_media_with_constraints(&constraints)?)
            .await?
            .dyn_into()?;
    if sheet.resolve.borrow().is_none() {
        // Cancelled (or read from a photo) while the browser was asking for the camera.
        for t in stream.get_tracks().iter() {
            t.unchecked_into::<web_sys::MediaStreamTrack>().stop();
        }
        return Ok(());
    }
    video.set_src_object(Some(&stream));
    sheet.stream.replace(Some(stream));
    let _ = video.play();
    sheet.say(tr(
        lang,
        "将房间二维码对准取景框",
        "Point the camera at the room's QR label",
    ));
    let s = sheet.clone();
    let v = video.clone();
    let busy = Rc::new(Cell::new(false));
    let tick = Handler::new(move |_| {
        // HAVE_CURRENT_DATA or better: a frame to read.
        if busy.get() || v.ready_state() < 2 {
            return;
        }
        busy.set(true);
        if let Ok(Some(text)) = read_from(&v, v.video_width(), v.video_height(), 720) {
            s.close(JsValue::from_str(&text));
        }
        busy.set(false);
    });
    let id = window.set_interval_with_callback_and_timeout_and_arguments_0(
        tick.as_ref().unchecked_ref(),
        200,
    )?;
    sheet.timer.set(Some(id));
    sheet.handlers.borrow_mut().push(tick);
    Ok(())
}

/// Waits for an image element to load `src`.
async fn load_image(src: &str) -> Result<HtmlImageElement, JsValue> {
    let img = HtmlImageElement::new()?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        img.set_onload(Some(&resolve));
        img.set_onerror(Some(&reject));
    });
    img.set_src(src);
    JsFuture::from(loaded).await?;
    img.set_onload(None);
    img.set_onerror(None);
    Ok(img)
}

/// The marks as drawn over the photo: red, thick enough to see on a phone.
fn paint(
    ctx: &CanvasRenderingContext2d,
    img: &HtmlImageElement,
    marks: &[Mark],
) -> Result<(), JsValue> {
    ctx.draw_image_with_html_image_element(img, 0.0, 0.0)?;
    let long = f64::from(img.natural_width().max(img.natural_height()));
    let width = (long / 160.0).max(4.0);
    ctx.set_stroke_style_str("#ff1744");
    ctx.set_line_width(width);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    for m in marks {
        ctx.begin_path();
        match m.tool {
            Tool::Ring => {
                let ((cx, cy), rx, ry) = m.ring();
                ctx.ellipse(cx, cy, rx, ry, 0.0, 0.0, std::f64::consts::TAU)?;
            }
            Tool::Arrow => {
                let [a, b] = m.arrow_head(width * 5.0);
                ctx.move_to(m.from.0, m.from.1);
                ctx.line_to(m.to.0, m.to.1);
                ctx.move_to(a.0, a.1);
                ctx.line_to(m.to.0, m.to.1);
                ctx.line_to(b.0, b.1);
            }
        }
        ctx.stroke();
    }
    Ok(())
}

/// Lets the user draw rings and arrows on a photo (`src`: a URL the page can load, e.g. a
/// `data:` URL). Answers the marked-up photo as a JPEG `data:` URL, or `null` when the user
/// cancels or draws nothing.
#[wasm_bindgen]
pub async fn mark_up(src: String, lang: String) -> Result<JsValue, JsValue> {
    let l = lang.as_str();
    let img = load_image(&src).await?;
    let html = format!(
        "<canvas></canvas>\
         <p class=\"cam-hint\" role=\"status\">{}</p>\
         <div class=\"cam-actions\">\
         <button type=\"button\" data-tool=\"ring\" class=\"on\" aria-pressed=\"true\">◯ {}</button>\
         <button type=\"button\" data-tool=\"arrow\" aria-pressed=\"false\">↗ {}</button>\
         <button type=\"button\" id=\"mk-undo\">{}</button>\
         <button type=\"button\" id=\"mk-cancel\">{}</button>\
         <button type=\"button\" id=\"mk-done\">{}</button></div>",
        tr(
            l,
            "在照片上拖动，圈出或指出问题所在",
            "Drag on the photo to ring or point at the problem"
        ),
        tr(l, "圈出", "Ring"),
        tr(l, "箭头", "Arrow"),
        tr(l, "撤销", "Undo"),
        tr(l, "取消", "Cancel"),
        tr(l, "完成", "Done"),
    );
    let (sheet, done) = Sheet::open(tr(l, "标注照片", "Mark up the photo"), &html)?;
    let canvas: HtmlCanvasElement = find(&sheet.root, "canvas")?;
    canvas.set_width(img.natural_width());
    canvas.set_height(img.natural_height());
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or("no 2d")?.dyn_into()?;
    paint(&ctx, &img, &[])?;

    let marks = Rc::new(RefCell::new(Vec::<Mark>::new()));
    let drawing = Rc::new(Cell::new(None::<Mark>));
    let tool = Rc::new(Cell::new(Tool::Ring));
    let redraw = {
        let (ctx, img, marks, drawing) = (ctx.clone(), img.clone(), marks.clone(), drawing.clone());
        Rc::new(move || {
            let mut all = marks.borrow().clone();
            all.extend(drawing.get());
            let _ = paint(&ctx, &img, &all);
        })
    };
    // Where a pointer is, in the photo's pixels (the canvas is shown scaled to the screen).
    let at = {
        let canvas = canvas.clone();
        move |ev: &PointerEvent| {
            let r = canvas.get_bounding_client_rect();
            let sx = f64::from(canvas.width()) / r.width().max(1.0);
            let sy = f64::from(canvas.height()) / r.height().max(1.0);
            (
                (f64::from(ev.client_x()) - r.left()) * sx,
                (f64::from(ev.client_y()) - r.top()) * sy,
            )
        }
    };
    let min = f64::from(canvas.width().max(canvas.height())) / 100.0;

    for name in ["ring", "arrow"] {
        let (tool, root) = (tool.clone(), sheet.root.clone());
        sheet.on(&format!("[data-tool={name}]"), "click", move |_| {
            tool.set(if name == "ring" {
                Tool::Ring
            } else {
                Tool::Arrow
            });
            if let Ok(buttons) = root.query_selector_all("[data-tool]") {
                for i in 0..buttons.length() {
                    if let Some(b) = buttons.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                        let on = b.get_attribute("data-tool").as_deref() == Some(name);
                        b.set_class_name(if on { "on" } else { "" });
                        let _ = b.set_attribute("aria-pressed", if on { "true" } else { "false" });
                    }
                }
            }
        })?;
    }
    {
        let (drawing, tool, at, canvas) =
            (drawing.clone(), tool.clone(), at.clone(), canvas.clone());
        sheet.on("canvas", "pointerdown", move |ev: JsValue| {
            let ev: PointerEvent = ev.unchecked_into();
            ev.prevent_default();
            let _ = canvas.set_pointer_capture(ev.pointer_id());
            let p = at(&ev);
            drawing.set(Some(Mark {
                tool: tool.get(),
                from: p,
                to: p,
            }));
        })?;
    }
    {
        let (drawing, at, redraw) = (drawing.clone(), at.clone(), redraw.clone());
        sheet.on("canvas", "pointermove", move |ev: JsValue| {
            let ev: PointerEvent = ev.unchecked_into();
            if let Some(m) = drawing.get() {
                drawing.set(Some(Mark { to: at(&ev), ..m }));
                redraw();
            }
        })?;
    }
    for end in ["pointerup", "pointercancel"] {
        let (drawing, marks, at, redraw) =
            (drawing.clone(), marks.clone(), at.clone(), redraw.clone());
        sheet.on("canvas", end, move |ev: JsValue| {
            let ev: PointerEvent = ev.unchecked_into();
            if let Some(m) = drawing.take() {
                let m = Mark { to: at(&ev), ..m };
                if m.is_drawn(min) {
                    marks.borrow_mut().push(m);
                }
            }
            redraw();
        })?;
    }
    {
        let (marks, redraw) = (marks.clone(), redraw.clone());
        sheet.on("#mk-undo", "click", move |_| {
            marks.borrow_mut().pop();
            redraw();
        })?;
    }
    let s = sheet.clone();
    sheet.on("#mk-cancel", "click", move |_| s.close(JsValue::NULL))?;
    let s = sheet.clone();
    sheet.on("#mk-done", "click", move |_| {
        let out = if marks.borrow().is_empty() {
            JsValue::NULL
        } else {
            canvas
                .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.85))
                .map_or(JsValue::NULL, |u| JsValue::from_str(&u))
        };
        s.close(out);
    })?;
    JsFuture::from(done).await
}
