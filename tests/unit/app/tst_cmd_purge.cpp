// `outpost purge` in process: which messages it removes (finished ones only, before --before
// or retention.sent_days ago, of --state), what it says in words and --json, --dry-run, the
// refusals (exit codes of the Result table), and the outbox file shrinking afterwards.
// Also `show` of a message whose content retention dropped.
#include "CommandTest.h"

#include "outbox/Retention.h"
#include "storage/Database.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

namespace {
constexpr qint64 kDayMs = 24LL * 3600 * 1000;

qint64 pragma(QSqlDatabase &db, const char *name)
{
    QSqlQuery q(db);
    return q.exec(QLatin1String(name)) && q.next() ? q.value(0).toLongLong() : -1;
}
} // namespace

class TestPurgeCommand : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

    /// Queues a message with `body` and makes it `state` (sent, failed, held or queued) as of
    /// `daysAgo` days before now.
    qint64 message(const QString &subject, MessageState state, int daysAgo,
                   const QByteArray &body = "hello")
    {
        const qint64 id = f->queue(subject, {QStringLiteral("--body"), QString::fromLatin1(body)});
        auto service = f->open();
        Storage *storage = service->storage();
        QString error;
        if (state == MessageState::Sent || state == MessageState::Failed) {
            DeliveryUpdate u;
            u.id = id;
            u.state = state;
            u.reply = state == MessageState::Sent ? SmtpReply{250, "2.0.0", {"Ok"}}
                                                  : SmtpReply{550, "5.1.1", {"No such user"}};
            u.errorClass = state == MessageState::Sent ? ErrorClass::None : ErrorClass::Permanent;
            u.event = state == MessageState::Sent ? HistoryEvent::Sent : HistoryEvent::Failed;
            u.recipients = {{"bob@example.net", state, u.reply}};
            if (!storage->writeNow(&OutboxWriter::applyUpdate, u, &error))
                qWarning("%s", qPrintable(error));
        } else if (state == MessageState::Held) {
            storage->writeNow(&OutboxWriter::hold, id, &error);
        }
        const qint64 at = QDateTime::currentMSecsSinceEpoch() - daysAgo * kDayMs;
        storage->writeNow([&](StorageWriter &w) {
            QSqlQuery q(w.db.db());
            q.prepare(QStringLiteral("UPDATE messages SET created_at = ?, updated_at = ? WHERE "
                                     "id = ?"));
            q.addBindValue(at);
            q.addBindValue(at);
            q.addBindValue(id);
            if (!q.exec())
                qWarning("backdating: %s", qPrintable(q.lastError().text()));
        });
        return id;
    }

    bool exists(qint64 id)
    {
        auto service = f->open();
        return service->outbox()->summary(id).has_value();
    }

    static QString daysAgo(int days)
    {
        return QDate::currentDate().addDays(-days).toString(Qt::ISODate);
    }

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
    }

    void removesFinishedMessagesBeforeTheDate()
    {
        const qint64 sent = message(QStringLiteral("sent"), MessageState::Sent, 40);
        const qint64 failed = message(QStringLiteral("failed"), MessageState::Failed, 40);
        const qint64 recent = message(QStringLiteral("recent"), MessageState::Sent, 5);
        const qint64 queued = message(QStringLiteral("queued"), MessageState::Queued, 40);
        const qint64 held = message(QStringLiteral("held"), MessageState::Held, 40);
        const QString before = daysAgo(20);
        const CommandRun r = f->run<Purge>({QStringLiteral("--before"), before});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(text.startsWith(QStringLiteral("removed 2 message(s) sent or failed before %1 "
                                                "00:00 (1 sent, 1 failed): their content, "
                                                "record, recipients and history; the outbox "
                                                "file went from ")
                                     .arg(before)),
                 r.out.constData());
        QVERIFY(!exists(sent));
        QVERIFY(!exists(failed));
        for (qint64 id : {recent, queued, held})
            QVERIFY(exists(id));
        // Nothing left to remove: said so, still Ok.
        const CommandRun again = f->run<Purge>({QStringLiteral("--before"), before});
        QVERIFY2(again.is(Result::Ok), again.why());
        QCOMPARE(QString::fromUtf8(again.out),
                 QStringLiteral("nothing to remove: no message sent or failed before %1 00:00\n")
                     .arg(before));
    }

    void stateDryRunAndJson()
    {
        const qint64 sent = message(QStringLiteral("sent"), MessageState::Sent, 40);
        const qint64 failed = message(QStringLiteral("failed"), MessageState::Failed, 40);
        CommandRun r = f->run<Purge>({QStringLiteral("--before"), daysAgo(20),
                                      QStringLiteral("--dry-run"), QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"dry_run"_qs], QJsonValue(true));
        QCOMPARE(o[u"removed"_qs], QJsonValue(2));
        QCOMPARE(o[u"ids"_qs].toArray(), (QJsonArray{sent, failed}));
        QVERIFY(exists(sent) && exists(failed));

        r = f->run<Purge>({QStringLiteral("--before"), daysAgo(20), QStringLiteral("--state"),
                           QStringLiteral("failed"), QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"dry_run"_qs], QJsonValue(false));
        QCOMPARE(o[u"removed"_qs], QJsonValue(1));
        QCOMPARE(o[u"sent"_qs], QJsonValue(0));
        QCOMPARE(o[u"failed"_qs], QJsonValue(1));
        QCOMPARE(o[u"ids"_qs].toArray(), (QJsonArray{failed}));
        QCOMPARE(o[u"error"_qs], QJsonValue(QJsonValue::Null));
        QVERIFY(o[u"file_bytes_before"_qs].toInteger() > 0);
        QVERIFY(exists(sent));
        QVERIFY(!exists(failed));

        r = f->run<Purge>({QStringLiteral("--before"), daysAgo(20), QStringLiteral("--dry-run")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.startsWith("would remove 1 message(s) sent or failed before "),
                 r.out.constData());
        QVERIFY2(r.out.endsWith("; nothing was changed (--dry-run)\n"), r.out.constData());
        QVERIFY(exists(sent));
    }

    void withoutADateRetentionDecides()
    {
        const qint64 old = message(QStringLiteral("old"), MessageState::Sent, 31);
        const qint64 young = message(QStringLiteral("young"), MessageState::Sent, 29);
        CommandRun r = f->run<Purge>({}); // retention.sent_days: 30
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY(!exists(old));
        QVERIFY(exists(young));

        QVERIFY(f->run<Config>({QStringLiteral("set"), QStringLiteral("retention.sent_days"),
                                QStringLiteral("0")})
                    .is(Result::Ok));
        r = f->run<Purge>({});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(exitCode(*r.result), 64);
        QCOMPARE(r.err, QByteArray("outpost: retention.sent_days is 0 (sent messages are kept for "
                                   "ever): say which messages to remove with --before DATE\n"));
        QVERIFY(exists(young));
    }

    void refusals()
    {
        CommandRun r = f->run<Purge>({QStringLiteral("--state"), QStringLiteral("queued")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY(r.err.contains("--state is sent or failed"));
        r = f->run<Purge>({QStringLiteral("--before"), QStringLiteral("last tuesday")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY(r.err.contains("--before needs an ISO 8601 date"));
        r = f->run<Purge>({QStringLiteral("everything")});
        QVERIFY2(r.is(Result::Usage), r.why());
    }

    void theFileShrinks()
    {
        // 40 sent messages of 100 KB: the outbox file gives their pages back to the disk.
        QByteArray body;
        for (int i = 0; i < 100 * 1024 / 64; ++i)
            body += QByteArray::number(i).rightJustified(63, 'x') + '\n';
        QList<qint64> ids;
        for (int i = 0; i < 40; ++i)
            ids << message(QStringLiteral("big %1").arg(i), MessageState::Sent, 40, body);
        const QString db = f->dir.filePath(QStringLiteral("outbox.sqlite"));
        const qint64 before = cleanup::fileBytes(db);
        QVERIFY2(before > 40 * 100 * 1024, QByteArray::number(before));

        const CommandRun r = f->run<Purge>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"removed"_qs], QJsonValue(40));
        QVERIFY(o[u"pages_returned"_qs].toInteger() > 40 * 100 * 1024 / 4096);
        const qint64 after = cleanup::fileBytes(db);
        QVERIFY2(after < before / 10, qPrintable(u"%1 -> %2"_qs.arg(before).arg(after)));
        QCOMPARE(o[u"file_bytes_before"_qs].toInteger(), before);
        QCOMPARE(o[u"file_bytes_after"_qs].toInteger(), after);
        auto service = f->open();
        QCOMPARE(pragma(service->storage()->database()->db(), "PRAGMA freelist_count"), 0);
        QCOMPARE(pragma(service->storage()->database()->db(), "PRAGMA auto_vacuum"), 2);
    }

    void showSaysTheContentIsNoLongerKept()
    {
        const qint64 id = message(QStringLiteral("gone"), MessageState::Sent, 40);
        {
            auto service = f->open();
            QString error;
            const QDateTime cutoff = QDateTime::currentDateTimeUtc().addDays(-30);
            QCOMPARE(service->storage()->writeNow(&OutboxWriter::dropSentContent, cutoff, 30, 10,
                                                  &error),
                     1);
        }
        CommandRun r = f->run<Show>({QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("\n  Content:    no longer kept (dropped on "), r.out.constData());
        QVERIFY2(r.out.contains(" after retention.sent_days); the record, recipients and "
                                "history stay\n"),
                 r.out.constData());
        QVERIFY2(r.out.contains("content no longer kept (sent more than 30 days before); record "
                                "kept"),
                 r.out.constData());
        r = f->run<Show>({QString::number(id), QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QVERIFY(o[u"content_dropped_at"_qs].isString());
        QCOMPARE(o[u"history"_qs].toArray().last()[u"event"_qs], QJsonValue(u"content-dropped"_qs));
        QCOMPARE(o[u"recipients"_qs].toArray().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPurgeCommand)
#include "tst_cmd_purge.moc"
