// Self-tests of the payload checks (MessageInspector): the RFC 5322 / 2047 / 2231 rules
// behind msgid_ok, date_ok, encoded_words_ok and the decoding keys.

#include "MessageInspector.h"

#include <QTest>

using namespace outpost::testsupport;

class TestMessageInspector : public QObject
{
    Q_OBJECT
private slots:
    void headers();
    void messageId_data();
    void messageId();
    void date_data();
    void date();
    void encodedWords_data();
    void encodedWords();
    void mimeParts();
};

static QByteArray msg(const QByteArray &headers, const QByteArray &body = "body\r\n")
{
    return headers + "\r\n" + body;
}

void TestMessageInspector::headers()
{
    MessageInspector mi(msg("From: =?utf-8?q?J=C3=BCrgen?= <alice@example.org>\r\n"
                            "To: bob@example.net,\r\n \"Carol, C.\" <carol@example.net>\r\n"
                            "Cc: dave@xn--bcher-kva.example\r\n"
                            "Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\n =?utf-8?q?_und_mehr?=\r\n"
                            "subject: second\r\n"));
    QCOMPARE(mi.fields().size(), 5);
    QCOMPARE(mi.headerCount("Subject"), 2);
    QCOMPARE(mi.headerCount("Bcc"), 0);
    QCOMPARE(mi.headerDecoded("Subject"), QStringLiteral("Grüße und mehr"));
    QCOMPARE(mi.addresses("To"),
             (QStringList{QStringLiteral("bob@example.net"), QStringLiteral("carol@example.net")}));
    QCOMPARE(mi.displayNames("To"), (QStringList{QString(), QStringLiteral("Carol, C.")}));
    QCOMPARE(mi.displayNames("From"), QStringList{QStringLiteral("Jürgen")});
    QCOMPARE(mi.addresses("Cc"), QStringList{QStringLiteral("dave@xn--bcher-kva.example")});
    // an injected line break starts a new field: that is what header_count catches
    MessageInspector inj(msg("Subject: Quarterly report\r\nBcc: eve@example.com\r\n"));
    QCOMPARE(inj.headerCount("Bcc"), 1);
}

void TestMessageInspector::messageId_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("ok");
    QTest::newRow("fine") << QByteArray("Message-ID: <abc.123@example.org>\r\n") << true;
    QTest::newRow("literal") << QByteArray("Message-ID: <abc@[192.0.2.10]>\r\n") << true;
    QTest::newRow("folded") << QByteArray("Message-ID:\r\n <abc@example.org>\r\n") << true;
    QTest::newRow("missing") << QByteArray("Subject: x\r\n") << false;
    QTest::newRow("two") << QByteArray("Message-ID: <a@b>\r\nMessage-Id: <c@d>\r\n") << false;
    QTest::newRow("no brackets") << QByteArray("Message-ID: abc@example.org\r\n") << false;
    QTest::newRow("space inside") << QByteArray("Message-ID: <ab c@example.org>\r\n") << false;
    QTest::newRow("no at") << QByteArray("Message-ID: <abc>\r\n") << false;
    QTest::newRow("double dot") << QByteArray("Message-ID: <a..b@example.org>\r\n") << false;
}

void TestMessageInspector::messageId()
{
    QFETCH(QByteArray, headers);
    QFETCH(bool, ok);
    QString why;
    QCOMPARE(MessageInspector(msg(headers)).messageIdOk(&why), ok);
}

void TestMessageInspector::date_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("zone");
    QTest::newRow("fine") << QByteArray("Date: Mon, 06 Jan 2025 10:00:00 +0000\r\n") << true
                          << "+0000";
    QTest::newRow("offset") << QByteArray("Date: Mon, 06 Jan 2025 11:30:00 +0130\r\n") << true
                            << "+0130";
    QTest::newRow("no weekday") << QByteArray("Date: 6 Jan 2025 02:00:00 -0800\r\n") << true
                                << "-0800";
    QTest::newRow("comment") << QByteArray("Date: Mon, 06 Jan 2025 10:00:00 +0000 (UTC)\r\n")
                             << true << "+0000";
    QTest::newRow("wrong weekday")
        << QByteArray("Date: Tue, 06 Jan 2025 10:00:00 +0000\r\n") << false << "";
    QTest::newRow("german") << QByteArray("Date: Mo, 06 Jan 2025 10:00:00 +0000\r\n") << false
                            << "";
    QTest::newRow("named zone") << QByteArray("Date: Mon, 06 Jan 2025 10:00:00 GMT\r\n") << false
                                << "";
    QTest::newRow("1-digit hour") << QByteArray("Date: Mon, 06 Jan 2025 9:00:00 +0000\r\n") << false
                                  << "";
    QTest::newRow("too far") << QByteArray("Date: Mon, 06 Jan 2025 10:11:00 +0000\r\n") << false
                             << "+0000";
    QTest::newRow("two")
        << QByteArray(
               "Date: Mon, 06 Jan 2025 10:00:00 +0000\r\nDate: Mon, 06 Jan 2025 10:00:00 +0000\r\n")
        << false << "+0000";
}

void TestMessageInspector::date()
{
    QFETCH(QByteArray, headers);
    QFETCH(bool, ok);
    QFETCH(QString, zone);
    const QDateTime ref(QDate(2025, 1, 6), QTime(10, 0, 30), Qt::UTC);
    MessageInspector mi(msg(headers));
    QString why;
    QCOMPARE(mi.dateOk(ref, 600, &why), ok);
    if (!zone.isEmpty())
        QCOMPARE(mi.dateZone(), zone);
}

void TestMessageInspector::encodedWords_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("ok");
    QTest::newRow("none") << QByteArray("Subject: plain\r\n") << true;
    QTest::newRow("fine") << QByteArray(
                                 "Subject: =?UTF-8?B?R3LDvMOfZQ==?= und =?utf-8?q?K=C3=B6ln?=\r\n")
                          << true;
    QTest::newRow("phrase") << QByteArray("From: =?utf-8?q?J=C3=BCrgen?= <alice@example.org>\r\n")
                            << true;
    QTest::newRow("split utf-8 b")
        << QByteArray("Subject: =?utf-8?b?R3LD?= =?utf-8?b?vMOfZQ==?=\r\n") << false;
    QTest::newRow("split utf-8 q")
        << QByteArray("Subject: =?utf-8?q?Gr=C3?= =?utf-8?q?=BC?=\r\n") << false;
    QTest::newRow("too long word")
        << QByteArray("Subject: =?utf-8?q?" + QByteArray(70, 'a') + "?=\r\n") << false;
    QTest::newRow("long line") << QByteArray("Subject: " + QByteArray(60, 'x') +
                                             " =?utf-8?q?abc?=\r\n")
                               << false;
    QTest::newRow("glued before") << QByteArray("Subject: x=?utf-8?q?abc?=\r\n") << false;
    QTest::newRow("glued after") << QByteArray("Subject: =?utf-8?q?abc?=x\r\n") << false;
    QTest::newRow("glued words") << QByteArray("Subject: =?utf-8?q?a?==?utf-8?q?b?=\r\n") << false;
    QTest::newRow("bad base64") << QByteArray("Subject: =?utf-8?b?R3L*?=\r\n") << false;
    QTest::newRow("folded fine") << QByteArray("Subject: =?utf-8?q?a?=\r\n =?utf-8?q?b?=\r\n")
                                 << true;
}

void TestMessageInspector::encodedWords()
{
    QFETCH(QByteArray, headers);
    QFETCH(bool, ok);
    QString why;
    QCOMPARE(MessageInspector(msg(headers)).encodedWordsOk(&why), ok);
    QCOMPARE(why.isEmpty(), ok);
}

void TestMessageInspector::mimeParts()
{
    const QByteArray m =
        "From: alice@example.org\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Gr=C3=BC=C3=9Fe aus K=C3=B6ln, eine lange Zeile mit einem weichen Umbruc=\r\n"
        "h.\r\n"
        "zweite Zeile\r\n"
        "--b1\r\n"
        "Content-Type: application/pdf\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*0*=utf-8''Pr%C3%BCfbericht%20Q1;\r\n"
        " filename*1*=%20%E2%80%93.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "AAEC\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; name=\"=?utf-8?q?n=C3=A4me.txt?=\"\r\n"
        "Content-Disposition: attachment\r\n"
        "\r\n"
        "hello\r\n"
        "--b1--\r\n";
    MessageInspector mi(m);
    // the CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1)
    QCOMPARE(mi.decodedBody().value_or(QStringLiteral("<none>")),
             QStringLiteral(
                 "Grüße aus Köln, eine lange Zeile mit einem weichen Umbruch.\r\nzweite Zeile"));
    QCOMPARE(mi.attachmentNames(),
             (QStringList{QStringLiteral("Prüfbericht Q1 –.pdf"), QStringLiteral("näme.txt")}));
}

QTEST_GUILESS_MAIN(TestMessageInspector)
#include "tst_messageinspector.moc"
