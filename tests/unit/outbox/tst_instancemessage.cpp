// The single-instance channel's codec (InstanceMessage.h): every request and reply survives
// encoding, and whatever else arrives on the line is refused with a reason, never a crash.

#include "outbox/InstanceMessage.h"

#include <QTest>

using namespace outpost;

Q_DECLARE_METATYPE(outpost::InstanceVerb)

class TestInstanceMessage : public QObject
{
    Q_OBJECT
private slots:
    void requestRoundTrip_data()
    {
        QTest::addColumn<InstanceVerb>("verb");
        QTest::addColumn<QString>("mailto");
        QTest::addColumn<QByteArray>("wire");
        QTest::newRow("changed") << InstanceVerb::Changed << QString()
                                 << QByteArray("{\"cmd\":\"changed\"}\n");
        QTest::newRow("flush") << InstanceVerb::Flush << QString()
                               << QByteArray("{\"cmd\":\"flush\"}\n");
        QTest::newRow("activate") << InstanceVerb::Activate << QString()
                                  << QByteArray("{\"cmd\":\"activate\"}\n");
        QTest::newRow("status") << InstanceVerb::Status << QString()
                                << QByteArray("{\"cmd\":\"status\"}\n");
        QTest::newRow("yield") << InstanceVerb::Yield << QString()
                               << QByteArray("{\"cmd\":\"yield\"}\n");
        QTest::newRow("activate mailto")
            << InstanceVerb::Activate << QStringLiteral("mailto:bob@example.org?subject=Hi")
            << QByteArray("{\"cmd\":\"activate\",\"mailto\":\"mailto:bob@example.org?subject=Hi\"}"
                          "\n");
    }
    void requestRoundTrip()
    {
        QFETCH(InstanceVerb, verb);
        QFETCH(QString, mailto);
        QFETCH(QByteArray, wire);
        const QByteArray line = encodeRequest(InstanceRequest{verb, mailto});
        QCOMPARE(line, wire); // the format older and newer Outposts share
        QString error;
        const auto back = decodeRequest(line, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->verb, verb);
        QCOMPARE(back->mailto, mailto);
    }

    void malformedRequestsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << QByteArray("\n") << QStringLiteral("not JSON");
        QTest::newRow("garbage") << QByteArray("hello\n") << QStringLiteral("not JSON");
        QTest::newRow("truncated") << QByteArray("{\"cmd\":\"fl") << QStringLiteral("not JSON");
        QTest::newRow("array") << QByteArray("[\"flush\"]\n") << QStringLiteral("not a JSON");
        QTest::newRow("no cmd") << QByteArray("{\"verb\":\"flush\"}\n") << QStringLiteral("no");
        QTest::newRow("cmd not a string") << QByteArray("{\"cmd\":7}\n") << QStringLiteral("no");
        QTest::newRow("unknown verb")
            << QByteArray("{\"cmd\":\"format-disk\"}\n") << QStringLiteral("unknown request");
        QTest::newRow("mailto not a string")
            << QByteArray("{\"cmd\":\"activate\",\"mailto\":{}}\n") << QStringLiteral("mailto");
        QTest::newRow("too long") << "{\"cmd\":\"activate\",\"mailto\":\"" +
                                         QByteArray(kInstanceLineMax, 'x') + "\"}\n"
                                  << QStringLiteral("too long");
    }
    void malformedRequestsAreRefused()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, why);
        QString error;
        QVERIFY(!decodeRequest(line, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
    }

    void replyRoundTrip()
    {
        InstanceReply r = InstanceReply::success();
        r.queued = 3;
        r.held = 1;
        r.failed = 2;
        r.sent = 500;
        const auto back = decodeReply(encodeReply(r));
        QVERIFY(back);
        QVERIFY(back->ok);
        QCOMPARE(back->queued, 3);
        QCOMPARE(back->held, 1);
        QCOMPARE(back->failed, 2);
        QCOMPARE(back->sent, 500);
        const auto refused = decodeReply(encodeReply(InstanceReply::refusal(QStringLiteral("no"))));
        QVERIFY(refused);
        QVERIFY(!refused->ok);
        QCOMPARE(refused->error, QStringLiteral("no"));
        // What an older Outpost answers to "changed".
        const auto old = decodeReply("{\"ok\":true}\n");
        QVERIFY(old && old->ok);
        QCOMPARE(old->queued, 0);
    }

    void statusReplyRoundTrip()
    {
        InstanceReply r = InstanceReply::success();
        r.sender = SenderStatus{QStringLiteral("daemon"),
                                4242,
                                true,
                                QStringLiteral("online"),
                                {PooledSession{QStringLiteral("work"),
                                               QStringLiteral("smtp.example.net:587"), true, 7}}};
        const QByteArray line = encodeReply(r);
        // The names `outpost status` of other versions read.
        for (const char *key : {"\"role\":\"daemon\"", "\"pid\":4242", "\"work_offline\":true",
                                "\"network\":\"online\"", "\"messages_sent\":7"})
            QVERIFY2(line.contains(key), line.constData());
        const auto back = decodeReply(line);
        QVERIFY(back && back->ok && back->sender);
        QCOMPARE(back->sender->role, QStringLiteral("daemon"));
        QCOMPARE(back->sender->pid, 4242);
        QVERIFY(back->sender->workOffline);
        QCOMPARE(back->sender->network, QStringLiteral("online"));
        QCOMPARE(back->sender->pool.size(), 1);
        QCOMPARE(back->sender->pool[0].account, QStringLiteral("work"));
        QCOMPARE(back->sender->pool[0].server, QStringLiteral("smtp.example.net:587"));
        QVERIFY(back->sender->pool[0].busy);
        QCOMPARE(back->sender->pool[0].messagesSent, 7);
        // Answers to other requests carry no sender.
        QVERIFY(!decodeReply(encodeReply(InstanceReply::success()))->sender);
    }

    void malformedRepliesAreNone()
    {
        for (const QByteArray &line : {QByteArray(""), QByteArray("ok\n"), QByteArray("[]\n"),
                                       QByteArray("{}\n"), QByteArray("{\"ok\":\"yes\"}\n")})
            QVERIFY2(!decodeReply(line), line.constData());
    }
};

QTEST_GUILESS_MAIN(TestInstanceMessage)
#include "tst_instancemessage.moc"
