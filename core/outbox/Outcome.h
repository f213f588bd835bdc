#pragma once

#include "Notice.h"
#include "accounts/SettingKeys.h"
#include "smtp/SmtpSession.h"
#include "storage/OutboxTypes.h"

#include <QDateTime>

#include <optional>

namespace outpost {

/// What decideOutcome() needs to know besides the result and the message: the time, the
/// account's retry settings and whether Outpost is quitting. Plain values, so the decision is
/// a pure function of its arguments.
struct OutcomeContext
{
    QDateTime now;             ///< the time of the outcome
    bool shuttingDown = false; ///< the transport is shutting down (Outpost quits)
    qint64 retryInitialMs = settingDefault("retry.initial_ms"); ///< first backoff step
    qint64 retryMaxMs = settingDefault("retry.max_ms");         ///< backoff ceiling
    qint64 lifetimeMs = settingDefault("retry.lifetime_ms");    ///< give up after this age
    /// Factor on the backoff, 0.8 to 1.2, drawn by the caller (so many messages or clients do
    /// not retry in lockstep); 1 = none.
    double jitter = 1.0;
    QString server; ///< "host:port" of the account, for a result that names no server
    /// The server refused the OAuth access token the session authenticated with, and a new
    /// token is to be fetched (the first refusal of that token): an auth result then queues
    /// the message again at once, uncounted, instead of pausing the account.
    bool tokenRefused = false;
};

/// When the message is tried again.
enum class NextAttempt
{
    None,    ///< not again: sent, failed or held
    Now,     ///< at once (interrupted by Outpost quitting: nothing was attempted)
    Backoff, ///< after the backoff (retry.initial_ms doubling to retry.max_ms, with jitter)
};

/// What one transaction's result does to the message (design.md §4, the outcome table):
/// everything the dispatcher writes and does about it.
struct OutcomeDecision
{
    /// The row to write: new state, per-recipient states, whether the attempt counts,
    /// uncertain, the history event, the reply and detail, the next attempt's time.
    DeliveryUpdate update;
    NextAttempt next = NextAttempt::None;
    /// The server took the message (for some recipients at least): written with the next group
    /// commit instead of at once.
    bool accepted = false;
    /// A notice to raise about this message (MessageFailed, PartiallySent), if any.
    std::optional<Notice::Kind> notice;
    /// PartiallySent: every recipient of the message refused for good, by earlier attempts
    /// (first) and this one, each with the server's reply.
    QList<RecipientRecord> refused;
    /// PartiallySent: how many recipients the message reached, of `recipientCount` in all.
    int reached = 0;
    int recipientCount = 0;
    /// Its account is to be paused (its messages held, the user told once).
    bool pauseAccount = false;
};

/// The backoff before attempt `attempts` + 1 (ms, before jitter): `initialMs` doubling per
/// attempt up to `maxMs` (both at least 1 ms).
qint64 retryBackoffMs(int attempts, qint64 initialMs, qint64 maxMs);

/// The outcome table as a pure function: what `tx` (the result of sending `message`) does to
/// the message, given `context`. Rows:
///
/// | result                                      | decision                                     |
/// |---------------------------------------------|----------------------------------------------|
/// | accepted, every recipient                   | sent (group commit)                          |
/// | accepted, some recipients 5xx               | sent, partial: those recipients failed, the  |
/// |                                             | first refusal as the reply, notice           |
/// | accepted, some recipients 4xx               | queued with backoff for those only           |
/// | accepted for the rest after an earlier 5xx  | sent, partial, notice (as above)             |
/// | auth with tokenRefused (OAuth token refused | queued, due now, attempt not counted (sent   |
/// | once, attempted or not)                     | again with a new token on a new session)     |
/// | auth, certificate, tls (attempted or not)   | held, account paused                         |
/// | not attempted while shutting down           | queued, due now, attempt not counted         |
/// | transient, network, timeout, protocol,      | queued with backoff; failed once expired     |
/// | credentials (password command hung)         |                                              |
/// | lost after the end marker                   | the same, marked uncertain                   |
/// | not attempted (open failed, pool gave up)   | queued with backoff, attempt not counted     |
/// | permanent, local                            | failed, every recipient failed, notice       |
OutcomeDecision decideOutcome(const TransactionResult &tx, const ClaimedMessage &message,
                              const OutcomeContext &context);

/// The rows of the outcome table for an attempt that never got its outcome because the
/// process sending it ended (a crash, a kill, a power cut): what the next start does to a
/// message it finds in `sending` (OutboxWriter::recoverInterrupted()). Pure, like
/// decideOutcome(); `now` is the time of the start.
///
/// | found in `sending`                          | decision                                     |
/// |---------------------------------------------|----------------------------------------------|
/// | accepted for every recipient (journalled)   | sent, attempt counted, not uncertain:        |
/// |                                             | "recovered-sent"; its copy pending is the    |
/// |                                             | caller's (Recovery::copyPending)             |
/// | its end of data was cleared to go (marked)  | queued, due now, attempt counted, uncertain: |
/// |                                             | "recovered-uncertain" (may have been sent)   |
/// | not marked: the server cannot have taken it | queued, due now, attempt not counted; one    |
/// |                                             | "recovered" note, none when the latest entry |
/// |                                             | is already one (a claim cut short again)     |
Recovery decideInterrupted(const InterruptedMessage &message, const QDateTime &now);

} // namespace outpost
