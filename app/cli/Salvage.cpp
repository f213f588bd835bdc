#include "Commands.h"

#include "storage/Database.h"
#include "storage/Salvage.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace outpost::cli {

void Salvage::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("salvage"), args,
               {{QStringLiteral("force"),
                 QStringLiteral("salvage even when the outbox opens without error")}}))
        return;
    if (strayArgument(QStringLiteral("salvage"), p.positionalArguments(),
                      QStringLiteral("usage: outpost salvage [--force]")))
        return;
    const QString db = databasePath();
    if (!QFileInfo::exists(db)) {
        out(QStringLiteral("there is no outbox in %1; nothing to salvage\n")
                .arg(context().dataDir));
        return finish(Result::Ok);
    }
    // Nobody may write while the pages are copied and the files swapped.
    bool heldByOther = false;
    m_lock = Service::lockOutbox(context().dataDir, &heldByOther);
    if (!m_lock)
        return fail(
            heldByOther ? Result::TryLater : Result::CannotOpen,
            heldByOther
                ? QStringLiteral("another Outpost process holds this outbox; quit "
                                 "it (or stop `outpost daemon`) and salvage then")
                : QStringLiteral("cannot create the lock file in %1").arg(context().dataDir));
    if (!p.isSet(QStringLiteral("force"))) {
        Database check;
        QString error;
        if (check.open(db, &error)) {
            out(QStringLiteral("the outbox %1 is not damaged; nothing was changed (--force "
                               "salvages it anyway)\n")
                    .arg(db));
            return finish(Result::Ok);
        }
        if (check.lastOpenError() != Database::OpenError::Corrupt)
            return fail(Result::CannotOpen, error);
    }
    // Blocking disk work, fine for a command (the window runs it on a thread of its own).
    const SalvageReport r = salvageOutbox(db);
    m_lock.reset();
    switch (r.failure) {
    case SalvageReport::Failure::None:
        break;
    case SalvageReport::Failure::Unreadable:
    case SalvageReport::Failure::Unusable:
        return fail(Result::Damaged,
                    QStringLiteral("nothing could be salvaged from %1; nothing was changed (%2)")
                        .arg(db, r.detail));
    case SalvageReport::Failure::RecoverFailed:
    case SalvageReport::Failure::CannotSwap:
        return fail(Result::CannotOpen,
                    QStringLiteral("the salvaged outbox could not be written or put in place; "
                                   "nothing was changed (%1)")
                        .arg(r.detail));
    }
    QStringList states;
    for (const QString &s :
         {QStringLiteral("queued"), QStringLiteral("held"), QStringLiteral("draft"),
          QStringLiteral("sending"), QStringLiteral("failed"), QStringLiteral("sent")}) {
        if (r.messagesByState.value(s) > 0)
            states << QStringLiteral("%1 %2").arg(r.messagesByState.value(s)).arg(s);
    }
    out(QStringLiteral("salvaged %1: %2 message(s) recovered%3, %4 lost; %5 account(s) and %6 "
                       "setting(s) kept\n")
            .arg(db)
            .arg(r.recoveredMessages)
            .arg(states.isEmpty() ? QString()
                                  : QStringLiteral(" (%1)").arg(states.join(QLatin1String(", "))))
            .arg(r.lostMessages)
            .arg(r.accounts)
            .arg(r.settings));
    out(QStringLiteral("the damaged file is kept as %1\n").arg(r.damagedKeptAs));
    finish(Result::Ok);
}

} // namespace outpost::cli
