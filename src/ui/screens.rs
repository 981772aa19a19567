//! Drawing of the screens besides the main one; each has its own module, registered
//! here (see `app::screen` for the other half).

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::model::Model;
use crate::app::screen::ScreenId;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    match model.screen {
        ScreenId::Main => {}
        ScreenId::Queues => super::queues::draw(model, frame, area),
        ScreenId::Agenda => super::agenda::draw(model, frame, area),
        ScreenId::Consult => super::consult::draw(model, frame, area),
        ScreenId::Settings => super::settings::draw(model, frame, area),
    }
    let _ = (frame, area);
}
