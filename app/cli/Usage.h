#pragma once
// The command line's usage text (`outpost help`) and each command's part of it
// (`outpost COMMAND --help`).

#include <QString>

namespace outpost::cli {

/// The whole usage text: every command, where the outbox lives, the exit codes.
QString usageText();
/// The usage line, then the entries of usageText() that describe `command` with their
/// continuation lines.
QString commandUsage(const QString &command);

} // namespace outpost::cli
