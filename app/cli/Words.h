#pragma once
// The command line's own formatting: the text form of `outpost show`, one-line fields, the
// DSN options' problems. The sentences the window says too (result classes, replies, notes,
// notices, connection tests, data-folder problems) come from words/SharedWords.h.

#include "smtp/Dsn.h"
#include "storage/OutboxTypes.h"

#include <QString>

namespace outpost::cli {

/// `v` on one line: a line break (CR, LF, CRLF, U+0085, U+2028, U+2029) or a tab becomes a
/// space, so a field from a message or a server cannot fake lines or columns of the text output.
QString oneLine(QString v);
/// The text form of `outpost show ID`.
QString describeMessage(const MessageRecord &m);
/// Why a delivery status notification option is refused: `option` as the user wrote it
/// ("--notify", "-N"), `value` the offending value.
QString describeDsnProblem(DsnProblem p, const QString &option, const QString &value);
/// "notify=success,failure ret=hdrs envid=ID" (only what is asked), "" when nothing is.
QString describeDsn(const DsnRequest &d);

} // namespace outpost::cli
