#pragma once

#include "storage/OutboxTypes.h"

#include <QIcon>

namespace outpost::ui {

/// What the tray icon shows (design.md §5), in order of precedence: attention (an account is
/// paused) over offline over sending over idle.
enum class TrayState
{
    Idle,
    Sending,
    Offline,
    Attention
};

/// The icons of the app. The SVG files in resources/icons are used where Qt can render SVG
/// (the Qt SVG image plug-in is installed); otherwise the same pictures are painted.
class Icons
{
public:
    static QIcon app();
    static QIcon tray(TrayState s);
    /// A small coloured mark for a message state (the table's state column).
    static QIcon state(MessageState s);
    /// The mark of a message sent to only some of its recipients: the check of `sent` in
    /// amber with a red dot, so it is not taken for a complete delivery at a glance.
    static QIcon partiallySent();
    /// Makes sure the compiled-in resources are registered (static library).
    static void initResources();
};

} // namespace outpost::ui
