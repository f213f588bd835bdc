#pragma once
// The command line's own formatting: the text form of `outpost show`, one-line fields, the
// DSN options' problems. The sentences the window says too (result classes, replies, notes,
// notices, connection tests, data-folder problems) come from words/SharedWords.h.

#include "accounts/Account.h"
#include "net/TlsPolicy.h"
#include "smtp/Dsn.h"
#include "storage/OutboxTypes.h"

#include <QString>

namespace outpost {
struct CleanupReport;
}

namespace outpost::cli {

struct FlushCounts;
class Console;

/// What `outpost purge` did (or, with `dryRun`, would do): "removed 12 messages sent or failed
/// before 2026-05-01 00:00 (10 sent, 2 failed); the outbox file went from 41.7 MB to 1.2 MB",
/// or that there was nothing to remove. Ends with a line break.
QString purgeReport(const CleanupReport &r, const PurgeFilter &filter, bool dryRun);

/// `v` on one line: a line break (CR, LF, CRLF, U+0085, U+2028, U+2029) or a tab becomes a
/// space, so a field from a message or a server cannot fake lines or columns of the text output.
QString oneLine(QString v);
/// `value` as one word for a POSIX shell: as it is when it holds only safe characters, else in
/// single quotes (a quote inside as '\'').
QString shellWord(const QString &value);
/// What the terminal says about a certificate that is not trusted, for account `account`: the
/// leaf's SHA-256 fingerprint, names, issuer and validity (`chain`, leaf first, from
/// certificateFacts()), and the exact `outpost account edit` commands that trust it (the pin,
/// or the issuing authority's certificate). Several lines, each ending in a line break; "" when
/// the chain is empty.
QString untrustedCertificate(const QString &account, const QList<CertificateFacts> &chain);
/// Writes untrustedCertificate() on standard error of `console`, line by line.
void printUntrustedCertificate(Console &console, const QString &account,
                               const QList<CertificateFacts> &chain);
/// The text form of `outpost show ID`.
QString describeMessage(const MessageRecord &m);
/// Why a delivery status notification option is refused: `option` as the user wrote it
/// ("--notify", "-N"), `value` the offending value.
QString describeDsnProblem(DsnProblem p, const QString &option, const QString &value);
/// "notify=success,failure ret=hdrs envid=ID" (only what is asked), "" when nothing is.
QString describeDsn(const DsnRequest &d);
/// The live progress line of `outpost flush` on a terminal: "Sending: 37 of 120 — 35 sent, 1
/// deferred, 1 failed — 42 msg/s"; ", N held" only when some are, the rate only when known
/// (`perSecond` not negative).
QString flushProgress(const FlushCounts &c, double perSecond);
/// The status line while a running Outpost does the flush: it reports no progress, only its
/// totals at the end, so the line says that instead of pretending to count.
QString flushHandedOver();
/// The "imap:" line of `account add --auto` for the account about to be saved: its IMAP server
/// ("imap.example.org port 993, tls"), the IMAP login when it differs from the submission's,
/// whether it came from discovery (`found`) or the user's --imap-host, and what the account's
/// sent-copy rule makes of it (a copy in the Sent folder, or none at a provider that keeps sent
/// mail itself); without an IMAP server, that none was found and how to give one. Ends with a
/// line break.
QString autoImapLine(const Account &a, bool found);

} // namespace outpost::cli
