#include "Commands.h"

#include "Words.h"

#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "outbox/Clock.h"
#include "outbox/MessageJson.h"
#include "outbox/Retention.h"
#include "storage/Storage.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace outpost::cli {

namespace {
/// --before: an ISO 8601 date (midnight, local time) or date and time; invalid when neither.
QDateTime parseBefore(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (d.isValid())
            t = d.startOfDay();
    }
    return t;
}
} // namespace

void Purge::run(const QStringList &args)
{
    static const QString kHint = QStringLiteral(
        "usage: outpost purge [--before DATE] [--state sent|failed] [--dry-run] [--json]");
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("purge"), args,
               {{QStringLiteral("before"), QStringLiteral("sent or failed before this time"),
                 QStringLiteral("DATE")},
                {QStringLiteral("state"), QStringLiteral("only sent or only failed messages"),
                 QStringLiteral("sent|failed")},
                {QStringLiteral("dry-run"), QStringLiteral("say what would go, change nothing")},
                {QStringLiteral("json"), QStringLiteral("JSON output")}}))
        return;
    if (strayArgument(QStringLiteral("purge"), p.positionalArguments(), kHint))
        return;
    PurgeFilter filter;
    if (p.isSet(QStringLiteral("state"))) {
        const QString s = p.value(QStringLiteral("state"));
        if (s != QLatin1String("sent") && s != QLatin1String("failed"))
            return fail(Result::Usage,
                        QStringLiteral("--state is sent or failed (purge never removes messages "
                                       "not sent yet: cancel withdraws those)"));
        filter.sent = s == QLatin1String("sent");
        filter.failed = s == QLatin1String("failed");
    }
    if (p.isSet(QStringLiteral("before"))) {
        filter.before = parseBefore(p.value(QStringLiteral("before")));
        if (!filter.before.isValid())
            return fail(Result::Usage,
                        QStringLiteral("--before needs an ISO 8601 date or time such as "
                                       "2026-05-01 or 2026-05-01T12:00:00"));
    }
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    if (!filter.before.isValid()) {
        // Without --before: what the retention has kept long enough.
        const qint64 days =
            service()->settings()->intValue(QString(), settingKey("retention.sent_days"));
        if (days <= 0)
            return fail(Result::Usage,
                        QStringLiteral("retention.sent_days is 0 (sent messages are kept for "
                                       "ever): say which messages to remove with --before DATE"));
        filter.before = QDateTime::currentDateTimeUtc().addDays(-days);
    }
    const bool dryRun = p.isSet(QStringLiteral("dry-run"));
    // Blocking disk work, fine for a command: batches of a few hundred messages, each a
    // transaction of its own, so a running Outpost's writes wait for one batch at most.
    const CleanupReport r = cleanup::purgeNow(service()->storage(), filter, dryRun);
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray ids;
        int sent = 0, failed = 0;
        for (const PurgedMessage &m : r.removed) {
            ids.append(m.id);
            ++(m.state == MessageState::Sent ? sent : failed);
        }
        const QJsonObject o{
            {QStringLiteral("before"), json::isoOrNull(filter.before)},
            {QStringLiteral("dry_run"), dryRun},
            {QStringLiteral("removed"), int(r.removed.size())},
            {QStringLiteral("sent"), sent},
            {QStringLiteral("failed"), failed},
            {QStringLiteral("ids"), ids},
            {QStringLiteral("file_bytes_before"), r.fileBytesBefore},
            {QStringLiteral("file_bytes_after"), r.fileBytesAfter},
            {QStringLiteral("pages_returned"), r.pagesReturned},
            {QStringLiteral("error"), r.ok() ? QJsonValue(QJsonValue::Null) : QJsonValue(r.error)},
        };
        console().outBytes(terminalSafeJson(QJsonDocument(o).toJson(QJsonDocument::Compact)) +
                           '\n');
    } else {
        out(purgeReport(r, filter, dryRun));
    }
    if (!r.ok()) {
        err(QStringLiteral("could not finish the purge: %1").arg(r.error));
        return dryRun ? finish(Result::CannotOpen) : finishAndNotify(Result::TryLater);
    }
    if (dryRun || r.removed.isEmpty())
        return finish(Result::Ok);
    finishAndNotify();
}

} // namespace outpost::cli
