#pragma once
// User-facing words for the command line, made from core's structured results.

#include "outbox/DataDir.h"
#include "outbox/Notice.h"
#include "smtp/Dsn.h"
#include "smtp/SmtpResult.h"
#include "storage/OutboxTypes.h"

#include <QString>

namespace outpost::words {

/// One sentence for a result: what happened in plain words, then the server's reply.
QString describeResult(const SmtpResult &r);
/// The result of `outpost account test` in one sentence, then the server's reply or the
/// detail: what the test found only (a test sends nothing and pauses no account).
QString describeTestResult(const SmtpResult &r);
/// A short "what happened last" for a listing row.
QString lastOutcome(const MessageSummary &m);
/// The text form of `outpost show ID`.
/// `v` on one line: a line break (CR, LF, CRLF, U+0085, U+2028, U+2029) or a tab becomes a
/// space, so a field from a message or a server cannot fake lines or columns of the text output.
QString oneLine(QString v);
QString describeMessage(const MessageRecord &m);
/// A notification line.
QString describeNotice(const Notice &n);
/// Why a delivery status notification option is refused: `option` as the user wrote it
/// ("--notify", "-N"), `value` the offending value.
QString describeDsnProblem(DsnProblem p, const QString &option, const QString &value);
/// "notify=success,failure ret=hdrs envid=ID" (only what is asked), "" when nothing is.
QString describeDsn(const DsnRequest &d);
/// What a history row records, in words ("held (account paused)"), with the time a dropped
/// schedule was for (RetryRequested) and the old phrase of an Unknown row from its detail. The
/// one place the CLI turns a HistoryEvent into words (`outpost show`; `--json` keeps the name).
QString historyEvent(const HistoryEntry &h);
/// The sentence for a history note (TransactionNote name); an unknown name as it is.
QString describeNote(const QString &note);
/// The sysexits code that matches a failure class (design.md §6).
int exitCodeFor(ErrorClass c);
/// Why a data folder is refused, and what to do about it (one sentence each).
QString describeDataDir(const DataDirCheck &c);
/// One line per path whose permissions Outpost narrowed to this user ("" when none).
QString describeTightened(const DataDirCheck &c);

} // namespace outpost::words
