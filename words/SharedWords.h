#pragma once
// The sentences a user reads about what core reports — a delivery's result class, a server's
// reply, a history note, a notice, a connection test, a data folder or outbox that cannot be
// used — in one copy for the window (ui/) and the command line (app/cli/). Where the two
// front ends say a thing differently, a Front parameter picks the wording, so both versions
// stay side by side. Every sentence is translatable (QCoreApplication::translate, context
// "Words", the window's context since before; the command line loads no translation).

#include "accounts/Account.h"
#include "accounts/OAuthSignOut.h"
#include "imap/ImapResult.h"
#include "oauth/OAuthError.h"
#include "outbox/DataDir.h"
#include "outbox/Notice.h"
#include "smtp/Capabilities.h"
#include "smtp/SmtpResult.h"
#include "storage/OutboxTypes.h"
#include "storage/Salvage.h"

#include <QString>

namespace outpost::words {

/// Which front end a sentence is for, where the two differ: the window's are short (a table
/// cell, a notification beside the message's details); the terminal's say what happened and
/// what it means at once, since a line is all the user sees there.
enum class Front
{
    Window,
    Terminal,
};

/// A reply as the server said it: "550 5.1.1 No such user"; empty when there was none (code 0),
/// except for a recipient Outpost left out for want of SMTPUTF8 (isSmtpUtf8Refusal()), which
/// gets Outpost's own words for why.
QString reply(const SmtpReply &r);

/// What an error class means to the user, in one sentence. For ErrorClass::None the window
/// says nothing and the terminal says "Sent.".
QString errorClass(ErrorClass c, Front front);

/// The terminal's sentence for a result: errorClass() then the server's reply in quotes, or
/// else the technical detail in parentheses.
QString result(const SmtpResult &r);

/// What happened last to a message, for a listing row: the window shows the server's reply
/// (else the error class's words); the terminal shows the reply of a success, and result()
/// of a failure.
QString lastOutcome(const MessageSummary &m, Front front);
/// "scheduled for 2026-12-06 18:00" (local time) for a queued message whose send time is
/// still ahead of `now`, else "".
QString scheduled(const MessageSummary &m, const QDateTime &now);

/// A message sent to only some of its recipients: "Sent to 1 of 2 recipients" (the window's
/// state column) or "sent to 1 of 2 recipients" (the terminal, inside a sentence).
QString sentToSome(int reached, int total, Front front);

/// A sent message whose bytes were dropped after `retention.sent_days`: "The content is no
/// longer kept (dropped on 2026-12-06 18:00); the record, recipients and history stay." (the
/// window) or the terminal's lower-case clause; "" while the bytes are kept.
QString contentNotKept(const MessageSummary &m, Front front);
/// Why an action that needs a message's bytes (export, edit) is refused: they were dropped
/// after `retention.sent_days`.
QString contentNeededButDropped(Front front);

/// The recipients refused for good with the server's words: the window one per line
/// ("carol@example.net: 550 5.1.1 No such user"), the terminal on one line ("carol@example.net
/// refused: 550 5.1.1 No such user; dave@…").
QString refusedRecipients(const QList<RecipientRecord> &refused, Front front);

/// The terminal's line for message `id` sent to only some recipients, the same in `flush`'s
/// summary and its notice: "message 7 sent to 1 of 2 recipients: carol@example.net refused:
/// 550 5.1.1 No such user".
QString partlySentLine(qint64 id, int reached, int total, const QList<RecipientRecord> &refused);

/// What a history row records, in words ("held (account paused)"): the one place a
/// HistoryEvent becomes words. RetryRequested says the time the dropped schedule was for (the
/// window in the user's locale); an Unknown row (an event this build does not know) shows its
/// stored detail. Both front ends show the detail of other rows beside these words.
QString historyEvent(const HistoryEntry &h, Front front);

/// What an uncertain message (MessageSummary::uncertain) means: it "may have been sent already"
/// (an earlier attempt handed the whole message to the server and its reply never arrived or
/// was never recorded: the connection broke, or Outpost stopped), and it goes again with the
/// same Message-ID. Without `explained` the short lower-case phrase for inside a line (`list`,
/// a history row); with it the whole explanation (`show`, the window's details and tooltips).
QString mayHaveBeenSent(Front front, bool explained);

/// What an IMAP error class means to the user, in one sentence ("The mailbox is full (over
/// its quota)."); "" for None. The one place an ImapErrorClass becomes words.
QString imapErrorClass(ImapErrorClass c);

/// The state of a message's copy in the Sent folder: "" when none is made, "copy to Sent
/// pending", "copied to Sent", or "copy to Sent failed, retry at …: <class words>" with the
/// server's text (the window on a new line, the terminal in quotes).
QString copyState(const MessageSummary &m, Front front);

/// The sentence for a history note of an attempt (HistoryEntry::notes, e.g. "dsn-not-offered");
/// an unknown note as it is.
QString historyNote(const QString &note, Front front);

/// The title of a desktop notification for `n` (the window's only).
QString noticeTitle(const Notice &n);
/// Why an OAuth sign-in of `account` did not work, in plain words (the technical detail in
/// parentheses where it helps).
QString signInFailure(const OAuthError &e, const QString &account, Front front);
/// What a sign-out of `account` did: revoked at the provider, or removed here only (and why),
/// or nothing to do; what it means for its messages.
QString signOutText(const SignOutResult &r, const Account &account, Front front);
/// The text of a notice: the body of the window's notification, or the terminal's one line.
QString noticeText(const Notice &n, Front front);

/// A size in bytes for people ("12.3 KB").
QString size(qint64 bytes);

/// The outbox cannot be written because the disk holding it is full (a StorageError of kind
/// DiskFull, `freeBytes` from it, -1 when unknown): "The disk holding the outbox is full (12 KB
/// free); nothing was lost." and what the user can do (free room, or cancel messages). Every
/// command and the window say this same sentence.
QString diskFull(qint64 freeBytes, Front front);
/// The capabilities in plain words ("login: PLAIN, LOGIN · largest message 9.8 MB · …").
QString capabilities(const Capabilities &caps);

/// The outcome of a connection test of `account` (ConnectionTest), which sends nothing and
/// pauses nothing. Window: on success how the connection is protected and what the server
/// offers; otherwise what went wrong, the server's reply or the reason, and what to do.
/// Terminal: on success "OK: connected, …" and the capabilities one per line (for standard
/// output); otherwise one sentence and the server's reply or the detail (for standard error).
QString connectionTest(const SmtpResult &result, const Capabilities &caps, const Account &account,
                       Front front);

/// Why a data folder is refused, and what to do about it (one sentence each); "" when it is not.
QString dataDirProblem(const DataDirCheck &c);
/// One line per path whose permissions Outpost narrowed to this user ("" when none).
QString tightened(const DataDirCheck &c);
/// The window's question when the outbox database cannot be used because it is damaged
/// (`why`): move it aside and start with an empty outbox?
QString damagedOutboxQuestion(const QString &why);
/// The terminal's advice for a damaged outbox database (path `database`): nothing was changed,
/// and the commands that move it aside.
QString damagedOutboxAdvice(const QString &database);
/// What a salvage of `database` did (recovered, lost, kept), or why it could not (`r` failed).
QString salvageReport(const SalvageReport &r, const QString &database);

} // namespace outpost::words
