//! Drawing of the screens besides the main one: each has its own module (declared in
//! `ui/mod.rs`), dispatched here, both generated from the registry in `app::screen`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::model::Model;
use crate::app::screen::ScreenId;

macro_rules! draw_screens {
    ($($(#[$doc:meta])* $variant:ident $module:ident $key:literal $title:literal,)*) => {
        pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
            match model.screen {
                ScreenId::Main => {}
                $(ScreenId::$variant => super::$module::draw(model, frame, area),)*
            }
        }
    };
}
crate::app::screen::screens!(draw_screens);
