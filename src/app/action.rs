//! What a key means on the main screen, independent of which key it was.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Enter: open the selected patient, or edit the selected session.
    Open,
    Filter,
    Add,
    Edit,
    NewSeries,
    Toggle,
    Archive,
    ShowArchived,
    Problems,
    Conflicts,
    /// Write the selected patient's `.ics` calendar into the exports folder.
    ExportIcs,
    /// Write the selected patient's aftercare handout into the exports folder.
    SaveHandout,
    /// Switch to another screen (agenda, queues, ...); `Main` is the three panes.
    Screen(super::screen::ScreenId),
    Help,
}
