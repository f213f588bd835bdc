#include "Outcome.h"

#include <QSet>

#include <algorithm>

namespace outpost {

namespace {

/// The refused addresses a partial delivery's detail names (the rest are in its recipients).
constexpr int kDetailAddresses = 5;

bool pausesAccount(ErrorClass c)
{
    return c == ErrorClass::Auth || c == ErrorClass::Certificate || c == ErrorClass::Tls ||
           c == ErrorClass::SignIn;
}

bool retryable(ErrorClass c)
{
    return c == ErrorClass::Transient || c == ErrorClass::Network || c == ErrorClass::Timeout ||
           c == ErrorClass::Protocol || c == ErrorClass::Credentials || c == ErrorClass::Storage;
}

/// The time of the next attempt after `attemptsAfter` attempts.
QDateTime backoffFrom(const OutcomeContext &ctx, int attemptsAfter)
{
    const qint64 base =
        retryBackoffMs(std::max(1, attemptsAfter), ctx.retryInitialMs, ctx.retryMaxMs);
    return QDateTime::fromMSecsSinceEpoch(ctx.now.toMSecsSinceEpoch() +
                                          qint64(double(base) * ctx.jitter));
}

} // namespace

qint64 retryBackoffMs(int attempts, qint64 initialMs, qint64 maxMs)
{
    qint64 d = std::max<qint64>(1, initialMs);
    for (int i = 1; i < attempts && d < maxMs; ++i)
        d *= 2;
    return std::min(d, std::max<qint64>(1, maxMs));
}

OutcomeDecision decideOutcome(const TransactionResult &tx, const ClaimedMessage &c,
                              const OutcomeContext &ctx)
{
    const ErrorClass cls = tx.result.errorClass;
    OutcomeDecision d;
    DeliveryUpdate &u = d.update;
    u.id = c.id;
    u.errorClass = cls;
    u.reply = tx.result.reply;
    u.detail = tx.result.detail;
    u.server = tx.server.isEmpty() ? ctx.server : tx.server;
    u.countAttempt = !tx.notAttempted;
    for (const TransactionNote n : tx.notes)
        u.notes << transactionNoteName(n);
    const int attemptsAfter = c.attempts + (u.countAttempt ? 1 : 0);

    if (cls == ErrorClass::Auth && ctx.tokenRefused) {
        // RFC 7628 §3.2.3: the token was refused (expired or revoked before its time). Not the
        // message's fault nor the user's: it goes again with a new token, uncounted.
        u.state = MessageState::Queued;
        u.nextAttemptAt = ctx.now;
        u.countAttempt = false;
        u.event = HistoryEvent::TokenRefused;
        d.next = NextAttempt::Now;
        return d;
    }
    if (pausesAccount(cls)) {
        // Nothing more goes out on this account until the user fixes it.
        u.state = MessageState::Held;
        u.event = HistoryEvent::HeldAccountPaused;
        d.pauseAccount = true;
        return d;
    }
    if (tx.notAttempted && ctx.shuttingDown) {
        u.state = MessageState::Queued;
        u.nextAttemptAt = ctx.now;
        u.event = HistoryEvent::Interrupted;
        d.next = NextAttempt::Now;
        return d;
    }
    if (cls == ErrorClass::None) {
        // Per recipient: accepted -> sent; 5xx -> failed; 4xx -> queued for a retry of only
        // those.
        bool anyQueued = false;
        for (const RecipientResult &r : tx.recipients) {
            RecipientRecord rr;
            rr.address = r.address;
            rr.reply = r.reply;
            if (r.accepted) {
                rr.state = MessageState::Sent;
            } else if (r.reply.isTransient()) {
                rr.state = MessageState::Queued;
                anyQueued = true;
            } else {
                rr.state = MessageState::Failed;
            }
            u.recipients << rr;
        }
        d.accepted = true;
        if (anyQueued) {
            // Not done yet: whether it reaches everyone is told when it ends.
            u.state = MessageState::Queued;
            u.nextAttemptAt = backoffFrom(ctx, attemptsAfter);
            u.event = HistoryEvent::PartlyDeferred;
            d.next = NextAttempt::Backoff;
            return d;
        }
        u.state = MessageState::Sent;
        u.event = HistoryEvent::Sent;
        // Refused for good, in this attempt or an earlier one (a retry of deferred recipients
        // ends the message): sent, but not to everyone, and the user is told so.
        for (const RecipientRecord &r : c.settled) {
            if (r.state == MessageState::Failed)
                d.refused << r;
        }
        for (const RecipientRecord &r : std::as_const(u.recipients)) {
            if (r.state == MessageState::Failed)
                d.refused << r;
        }
        if (d.refused.isEmpty())
            return d;
        d.recipientCount = int(c.settled.size() + c.recipients.size());
        d.reached = d.recipientCount - int(d.refused.size());
        u.event = HistoryEvent::SentSomeRefused;
        // The message's last reply and error are the first refusal, so that every listing
        // shows why it is not complete; the class stays none: the server took the message.
        u.reply = d.refused.first().reply;
        QStringList who;
        for (const RecipientRecord &r : std::as_const(d.refused)) {
            if (who.size() == kDetailAddresses) {
                who << QStringLiteral("\u2026");
                break;
            }
            who << QString::fromUtf8(r.address);
        }
        u.detail = QStringLiteral("%1 of %2 recipients refused: %3")
                       .arg(d.refused.size())
                       .arg(d.recipientCount)
                       .arg(who.join(QLatin1String(", ")));
        d.notice = Notice::Kind::PartiallySent;
        return d;
    }
    if (retryable(cls) || tx.notAttempted) {
        for (const RecipientResult &r : tx.recipients) {
            u.recipients << RecipientRecord{
                r.address, r.reply.isPermanent() ? MessageState::Failed : MessageState::Queued,
                r.reply};
        }
        u.uncertain = tx.uncertain();
        const bool expired =
            c.createdAt.isValid() &&
            ctx.now.toMSecsSinceEpoch() - c.createdAt.toMSecsSinceEpoch() > ctx.lifetimeMs;
        if (expired) {
            u.state = MessageState::Failed;
            u.event = HistoryEvent::Expired;
            d.notice = Notice::Kind::MessageFailed;
        } else {
            u.state = MessageState::Queued;
            u.nextAttemptAt = backoffFrom(ctx, attemptsAfter);
            u.event = u.uncertain       ? HistoryEvent::UncertainRequeued
                      : tx.notAttempted ? HistoryEvent::DeferredUnreachable
                                        : HistoryEvent::Deferred;
            d.next = NextAttempt::Backoff;
        }
        return d;
    }
    // Permanent (5xx) or local: failed, every recipient not yet sent with it.
    QSet<QByteArray> seen;
    for (const RecipientResult &r : tx.recipients) {
        u.recipients << RecipientRecord{r.address, MessageState::Failed, r.reply};
        seen.insert(r.address);
    }
    for (const QByteArray &a : c.recipients) {
        if (!seen.contains(a))
            u.recipients << RecipientRecord{a, MessageState::Failed, tx.result.reply};
    }
    u.state = MessageState::Failed;
    u.event = HistoryEvent::Failed;
    d.notice = Notice::Kind::MessageFailed;
    return d;
}

Recovery decideInterrupted(const InterruptedMessage &m, const QDateTime &now)
{
    Recovery r;
    r.state = MessageState::Queued;
    r.nextAttemptAt = now; // the server was not the problem: due at once
    if (m.accepted) {
        // The server's acceptance of every recipient was journalled before its outcome could be
        // committed: the message is sent, and sending it again would only duplicate it.
        r.state = MessageState::Sent;
        r.countAttempt = true;
        r.event = HistoryEvent::RecoveredSent;
        return r;
    }
    if (m.endOfDataMayHaveGone) {
        // The end of data may have reached the server, and its reply was never recorded: like
        // a connection lost after the end marker, the same Message-ID goes again, and the
        // message says it may have arrived twice.
        r.countAttempt = true;
        r.uncertain = true;
        r.event = HistoryEvent::RecoveredUncertain;
        return r;
    }
    // The end of data never went: the server dropped whatever it had of the transaction, and
    // nothing was attempted as far as the recipients can tell. One neutral note says why the
    // message is queued again; a message claimed and cut short at every restart keeps that
    // one note instead of collecting one per restart.
    if (m.lastEvent != HistoryEvent::Recovered)
        r.event = HistoryEvent::Recovered;
    return r;
}

} // namespace outpost
