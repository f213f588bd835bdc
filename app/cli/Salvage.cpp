#include "Commands.h"

#include "SharedWords.h"

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
    if (!r.ok())
        return fail(r.failure == SalvageReport::Failure::Unreadable ||
                            r.failure == SalvageReport::Failure::Unusable
                        ? Result::Damaged
                        : Result::CannotOpen,
                    words::salvageReport(r, db));
    out(words::salvageReport(r, db) + QLatin1Char('\n'));
    finish(Result::Ok);
}

} // namespace outpost::cli
