// The status command in process: what it says with no sender and with one holding the outbox
// (a Service of this process with the lock and the local socket), in words and in --json; and
// the usage errors of status and daemon.
#include "CommandTest.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

class TestStatusCommand : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

    CommandRun status(const QStringList &args = {}) { return f->run<Status>(args); }

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
    }

    void noSender()
    {
        QCOMPARE(f->queue(QStringLiteral("now")), qint64(1));
        QCOMPARE(f->queue(QStringLiteral("later"),
                          {QStringLiteral("--send-at"), QStringLiteral("2099-01-01T10:00:00Z"),
                           QStringLiteral("--yes")}),
                 qint64(2));
        CommandRun r = status();
        QVERIFY2(r.is(Result::Ok), r.why());
        const QList<QByteArray> lines = r.out.split('\n');
        QCOMPARE(lines.value(0),
                 QByteArray("sender: none running; queued messages wait (start `outpost daemon` "
                            "or the desktop app, or run `outpost flush`)"));
        QCOMPARE(lines.value(1),
                 QByteArray("messages: 2 queued, 0 sending, 0 held, 0 failed, 0 sent, 0 draft"));
        QVERIFY2(lines.value(2).startsWith("next due: "), lines.value(2).constData());
        QCOMPARE(lines.value(3), QByteArray("account work (default): no open connection"));

        r = status({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        const QJsonObject sender = o.value(QLatin1String("sender")).toObject();
        QCOMPARE(sender.value(QLatin1String("running")), QJsonValue(false));
        QVERIFY(sender.value(QLatin1String("pid")).isNull());
        QCOMPARE(o.value(QLatin1String("counts")).toObject().value(QLatin1String("queued")).toInt(),
                 2);
        QVERIFY(!o.value(QLatin1String("next_due")).isNull());
        const QJsonObject work = o.value(QLatin1String("accounts")).toArray().first().toObject();
        QCOMPARE(work.value(QLatin1String("name")).toString(), QStringLiteral("work"));
        QCOMPARE(work.value(QLatin1String("default")), QJsonValue(true));
        QCOMPARE(work.value(QLatin1String("paused")), QJsonValue(false));
        QCOMPARE(work.value(QLatin1String("pool")).toObject().value(QLatin1String("open")).toInt(),
                 0);
        QVERIFY(work.value(QLatin1String("last_error")).isNull());
    }

    /// The process that holds the outbox answers for itself: its role and pid.
    void senderAnswers()
    {
        ServiceOptions o;
        o.dataDir = f->dataDir();
        o.credentials = &f->credentials;
        o.dispatch = false; // holds the lock and listens, sends nothing
        o.role = SenderRole::Daemon;
        Service holder(o);
        QString error;
        QVERIFY2(holder.open(&error), qPrintable(error));
        CommandRun r = status();
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.startsWith(QStringLiteral("sender: outpost daemon, pid %1 (network: ")
                                      .arg(QCoreApplication::applicationPid())
                                      .toUtf8()),
                 r.out.constData());
        r = status({QStringLiteral("--json")});
        const QJsonObject sender =
            QJsonDocument::fromJson(r.out).object().value(QLatin1String("sender")).toObject();
        QCOMPARE(sender.value(QLatin1String("running")), QJsonValue(true));
        QCOMPARE(sender.value(QLatin1String("role")).toString(), QStringLiteral("daemon"));
        QCOMPARE(sender.value(QLatin1String("pid")).toInteger(),
                 QCoreApplication::applicationPid());
        QCOMPARE(sender.value(QLatin1String("work_offline")), QJsonValue(false));
    }

    void usage_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("args");
        QTest::newRow("status stray")
            << QStringLiteral("status") << QStringList{QStringLiteral("x")};
        QTest::newRow("status option")
            << QStringLiteral("status") << QStringList{QStringLiteral("--colour")};
        QTest::newRow("daemon stray")
            << QStringLiteral("daemon") << QStringList{QStringLiteral("x")};
    }

    void usage()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, args);
        const CommandRun r =
            command == QLatin1String("status") ? f->run<Status>(args) : f->run<Daemon>(args);
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(exitCode(*r.result), 64);
    }
};

QTEST_GUILESS_MAIN(TestStatusCommand)
#include "tst_cmd_status.moc"
