#include "Commands.h"

#include "SharedWords.h"

#include "accounts/AccountStore.h"
#include "storage/Storage.h"

namespace outpost::cli {

namespace {
QString actionName(MessageAction::Action a)
{
    switch (a) {
    case MessageAction::Action::Retry:
        return QStringLiteral("retry");
    case MessageAction::Action::Hold:
        return QStringLiteral("hold");
    case MessageAction::Action::Release:
        return QStringLiteral("release");
    case MessageAction::Action::Cancel:
        return QStringLiteral("cancel");
    }
    return {};
}
} // namespace

MessageAction::MessageAction(Action action, const Context &context, QObject *parent)
    : Command(context, parent)
    , m_action(action)
{}

void MessageAction::run(const QStringList &args)
{
    bool ok = false;
    const qint64 id = args.value(0).toLongLong(&ok);
    if (!ok || id <= 0 || args.size() != 1)
        return fail(Result::Usage,
                    QStringLiteral("usage: outpost %1 ID (ID is a number from outpost list)")
                        .arg(actionName(m_action)));
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const OutboxReader *store = service()->outbox();
    Storage *storage = service()->storage();
    QString error;
    QString said;
    bool done = false;
    // The writer's verdict on the action: a full disk is said in its own words, and an
    // action that needed the reserve (DiskReserve) is told too: it worked, but the disk is full.
    StorageError problem;
    bool usedReserve = false;
    const auto write = [&](auto call) {
        return storage->writeNow([&](StorageWriter &w) {
            const int before = w.outbox.reserveReleases();
            const bool ok = call(w.outbox);
            problem = w.outbox.lastError();
            usedReserve = w.outbox.reserveReleases() > before;
            return ok;
        });
    };
    switch (m_action) {
    case Action::Retry: {
        // A message of a removed account would only fail again at the next flush.
        const auto s = store->summary(id);
        if (s && !service()->accounts()->find(s->account))
            return fail(Result::NoSuchAccount,
                        QStringLiteral("message %1 belongs to the account \"%2\", which was "
                                       "removed: add an account of that name first (outpost "
                                       "account add %2 ...)")
                            .arg(id)
                            .arg(s->account));
        // As the window's Retry: it also ends the pause of the message's account.
        QDateTime scheduled;
        done = service()->retry(id, &error, &scheduled);
        if (done && scheduled.isValid())
            said = QStringLiteral("message %1 was scheduled for %2; it is sent at the next chance "
                                  "instead (the schedule is dropped)\n")
                       .arg(id)
                       .arg(scheduled.toLocalTime().toString(Qt::ISODate));
        break;
    }
    case Action::Hold:
    case Action::Release: {
        // Already as asked: nothing to change, and a script that holds twice is not an error.
        const bool hold = m_action == Action::Hold;
        const auto s = store->summary(id);
        if (s && s->state == (hold ? MessageState::Held : MessageState::Queued)) {
            out(QStringLiteral("message %1 is %2 already; nothing changed\n")
                    .arg(id)
                    .arg(messageStateName(s->state)));
            return finish(Result::Ok);
        }
        done = write(
            [&](OutboxWriter &o) { return hold ? o.hold(id, &error) : o.release(id, &error); });
        if (done)
            said = hold ? QStringLiteral("message %1 held: it is not sent until outpost release "
                                         "%1\n")
                              .arg(id)
                        : QStringLiteral("message %1 released: queued again\n").arg(id);
        if (!done && s && !problem.isDiskFull())
            error = hold ? QStringLiteral("message %1 cannot be held: it is %2 (only queued "
                                          "messages and drafts can be held)")
                               .arg(id)
                               .arg(messageStateName(s->state))
                         : QStringLiteral("message %1 cannot be released: it is %2 (only held "
                                          "messages and drafts can be released)")
                               .arg(id)
                               .arg(messageStateName(s->state));
        break;
    }
    case Action::Cancel: {
        bool deleted = false;
        done = write([&](OutboxWriter &o) { return o.cancel(id, &deleted, &error); });
        if (done)
            said = deleted ? QStringLiteral("message %1 cancelled and deleted\n").arg(id)
                           : QStringLiteral("message %1 cancelled; kept as failed, as some "
                                            "recipients already got it\n")
                                 .arg(id);
        break;
    }
    }
    if (!done && problem.isDiskFull())
        return finish(diskFull(problem));
    if (!done)
        return fail(Result::Refused, error);
    if (usedReserve && !service()->storageProblem().isDiskFull()) // else said at open
        err(words::diskFull(freeBytes(service()->dataDir()), words::Front::Terminal));
    out(said);
    finishAndNotify();
}

} // namespace outpost::cli
