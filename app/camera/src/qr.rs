//! Reading a QR code from pixels: what the live camera and a still photo both come down to.

/// The luminance (ITU-R BT.601, integer weights) of RGBA pixels, one byte per pixel.
pub fn luma_from_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect()
}

/// The text of the first QR code found in a greyscale image `w` × `h`, if any can be read.
pub fn read(w: usize, h: usize, luma: &[u8]) -> Option<String> {
    if w == 0 || h == 0 || luma.len() < w * h {
        return None;
    }
    let mut decoder = quircs::Quirc::default();
    decoder
        .identify(w, h, &luma[..w * h])
        .filter_map(Result::ok)
        .find_map(|code| {
            let data = code.decode().ok()?;
            String::from_utf8(data.payload).ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code drawn the way a label is printed: dark modules on white, `scale` pixels each,
    /// with a quiet zone, placed at (`left`, `top`) in a grey `w` × `h` picture.
    fn picture(text: &str, scale: usize, left: usize, top: usize, w: usize, h: usize) -> Vec<u8> {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encodes");
        let n = code.width();
        let colors = code.to_colors();
        let mut px = vec![150u8; w * h];
        let side = (n + 8) * scale;
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
                let dark = mx < n && my < n && colors[my * n + mx] == qrcode::Color::Dark;
                px[(top + y) * w + left + x] = if dark { 20 } else { 235 };
            }
        }
        px
    }

    #[test]
    fn reads_a_label_anywhere_in_the_picture() {
        let text = "SR1:HQ-B1-PUMP";
        for (scale, left, top) in [(4, 10, 10), (6, 200, 120), (3, 400, 300)] {
            let px = picture(text, scale, left, top, 640, 480);
            assert_eq!(read(640, 480, &px).as_deref(), Some(text), "scale {scale}");
        }
    }

    #[test]
    fn a_picture_without_a_code_reads_nothing() {
        let px: Vec<u8> = (0..320 * 240).map(|i| (i * 7 % 256) as u8).collect();
        assert_eq!(read(320, 240, &px), None);
        assert_eq!(read(0, 0, &[]), None);
        // Fewer pixels than the size says: nothing, not a panic.
        assert_eq!(read(10, 10, &[0; 50]), None);
    }

    #[test]
    fn luma_weighs_green_most() {
        let rgba = [
            255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255,
        ];
        assert_eq!(luma_from_rgba(&rgba), vec![76, 149, 29, 255]);
    }
}
