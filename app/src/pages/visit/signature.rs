//! A signature pad: drawn with a finger, kept as a PNG photo.

use super::*;

#[component]
pub(super) fn SignaturePad(
    node: NodeRef<Canvas>,
    signed: RwSignal<bool>,
    id: &'static str,
) -> impl IntoView {
    let ctx = ctx();
    let drawing = StoredValue::new(false);
    let clear = move |_| {
        if let Some(c) = node.get_untracked()
            && let Ok(Some(c2d)) = c.get_context("2d")
            && let Ok(c2d) = c2d.dyn_into::<web_sys::CanvasRenderingContext2d>()
        {
            c2d.clear_rect(0.0, 0.0, f64::from(c.width()), f64::from(c.height()));
        }
        signed.set(false);
    };
    let point =
        move |ev: &web_sys::PointerEvent| -> Option<(web_sys::CanvasRenderingContext2d, f64, f64)> {
            let c = node.get_untracked()?;
            let rect = c.get_bounding_client_rect();
            let ctx2d: web_sys::CanvasRenderingContext2d =
                c.get_context("2d").ok()??.dyn_into().ok()?;
            let sx = f64::from(c.width()) / rect.width().max(1.0);
            let sy = f64::from(c.height()) / rect.height().max(1.0);
            Some((
                ctx2d,
                (f64::from(ev.client_x()) - rect.left()) * sx,
                (f64::from(ev.client_y()) - rect.top()) * sy,
            ))
        };
    view! {
        <canvas node_ref=node id=id class="signature" width="600" height="200" style="width:100%;max-width:600px;border:1px solid #dadce0;border-radius:8px;touch-action:none;background:#fff"
            on:pointerdown=move |ev| { drawing.set_value(true); if let Some((c, x, y)) = point(&ev) { c.begin_path(); c.move_to(x, y); } }
            on:pointermove=move |ev| { if drawing.get_value() && let Some((c, x, y)) = point(&ev) { c.set_line_width(3.0); c.line_to(x, y); c.stroke(); signed.set(true); } }
            on:pointerup=move |_| drawing.set_value(false)
            on:pointerleave=move |_| drawing.set_value(false)
        ></canvas>
        <button class="secondary clear-signature" type="button" on:click=clear>{ctx.text("clear")}</button>
    }
}
