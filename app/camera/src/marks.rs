//! Marks drawn on a photo: a ring around what is wrong, or an arrow pointing at it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Ring,
    Arrow,
}

/// One mark, dragged from `from` to `to` (in the photo's pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub tool: Tool,
    pub from: (f64, f64),
    pub to: (f64, f64),
}

impl Mark {
    /// Whether the drag was long enough to mean a mark (a tap is not one).
    pub fn is_drawn(&self, min: f64) -> bool {
        (self.to.0 - self.from.0).hypot(self.to.1 - self.from.1) >= min
    }

    /// The ring fills the box dragged out: its centre and its two radii.
    pub fn ring(&self) -> ((f64, f64), f64, f64) {
        let ((x0, y0), (x1, y1)) = (self.from, self.to);
        (
            ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
            ((x1 - x0) / 2.0).abs(),
            ((y1 - y0) / 2.0).abs(),
        )
    }

    /// The arrow points at where the drag ended: the two ends of its head, `len` long and 30°
    /// either side of the shaft.
    pub fn arrow_head(&self, len: f64) -> [(f64, f64); 2] {
        let ((x0, y0), (x1, y1)) = (self.from, self.to);
        let back = (y0 - y1).atan2(x0 - x1);
        let side = |a: f64| (x1 + len * a.cos(), y1 + len * a.sin());
        let spread = std::f64::consts::PI / 6.0;
        [side(back - spread), side(back + spread)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn a_ring_fills_the_box_dragged_in_any_direction() {
        let m = Mark {
            tool: Tool::Ring,
            from: (300.0, 200.0),
            to: (100.0, 100.0),
        };
        assert_eq!(m.ring(), ((200.0, 150.0), 100.0, 50.0));
    }

    #[test]
    fn an_arrow_head_sits_at_the_end_and_opens_backwards() {
        // Dragged left to right: the head's ends lie to the left of the tip, one above, one below.
        let m = Mark {
            tool: Tool::Arrow,
            from: (0.0, 0.0),
            to: (100.0, 0.0),
        };
        let [a, b] = m.arrow_head(20.0);
        let dx = 20.0 * (std::f64::consts::PI / 6.0).cos();
        let dy = 20.0 * (std::f64::consts::PI / 6.0).sin();
        assert!(
            close(a, (100.0 - dx, dy)) || close(a, (100.0 - dx, -dy)),
            "{a:?}"
        );
        assert!(close(b, (100.0 - dx, -a.1)), "{b:?}");
    }

    #[test]
    fn a_tap_is_not_a_mark() {
        let tap = Mark {
            tool: Tool::Ring,
            from: (10.0, 10.0),
            to: (12.0, 11.0),
        };
        assert!(!tap.is_drawn(8.0));
        assert!(
            Mark {
                to: (30.0, 10.0),
                ..tap
            }
            .is_drawn(8.0)
        );
    }
}
