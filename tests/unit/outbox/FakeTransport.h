#pragma once
// A Transport that talks to no server: it records every SendRequest and lets the test decide
// each outcome by emitting finished(TransactionResult) itself (tests/unit/outbox).

#include "smtp/Transport.h"

#include <QList>

namespace outpost::test {

class FakeTransport : public Transport
{
public:
    using Transport::Transport;

    /// Every request given to send(), in order.
    QList<SendRequest> requests;
    /// Ids of requests not reported yet.
    QList<qint64> open;
    /// Accounts given to cancelPending().
    QStringList cancelled;

    void send(const SendRequest &request) override
    {
        requests << request;
        open << request.message.id;
    }
    /// Like the real pool: every request of the account that has not been reported yet is
    /// reported now as notAttempted with `why`.
    void cancelPending(const QString &account, const SmtpResult &why) override
    {
        cancelled << account;
        const QList<SendRequest> all = requests;
        for (const SendRequest &r : all) {
            if (r.account == account && open.contains(r.message.id)) {
                TransactionResult tx;
                tx.messageId = r.message.id;
                tx.result = why;
                tx.notAttempted = true;
                finish(tx);
            }
        }
    }

    /// Reports a result (as the pool would).
    void finish(const TransactionResult &tx)
    {
        open.removeOne(tx.messageId);
        emit finished(tx);
    }
    /// The last request for a message id (nullptr if none).
    const SendRequest *requestFor(qint64 id) const
    {
        for (qsizetype i = requests.size() - 1; i >= 0; --i) {
            if (requests[i].message.id == id)
                return &requests[i];
        }
        return nullptr;
    }
};

} // namespace outpost::test
