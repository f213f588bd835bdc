// importMessage(): envelope from the headers (Resent-* first), Bcc removal, bytes kept,
// CRLF normalisation, added Message-ID and Date, refusal of what is not a message.

#include "mime/MessageImport.h"
#include "mimetestsupport.h"

#include <QtTest>

using namespace outpost::mime;
using namespace mimetest;

using ByteList = QList<QByteArray>;

class TestMessageImport : public QObject
{
    Q_OBJECT
private slots:
    void normalize_data()
    {
        QTest::addColumn<QByteArray>("in");
        QTest::addColumn<QByteArray>("out");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("crlf-kept") << QByteArray("a\r\nb\r\n") << QByteArray("a\r\nb\r\n");
        QTest::newRow("lf") << QByteArray("a\nb\n") << QByteArray("a\r\nb\r\n");
        QTest::newRow("cr") << QByteArray("a\rb\r") << QByteArray("a\r\nb\r\n");
        QTest::newRow("mixed") << QByteArray("a\r\n\n\r\rb") << QByteArray("a\r\n\r\n\r\n\r\nb");
        QTest::newRow("lfcr") << QByteArray("a\n\rb") << QByteArray("a\r\n\r\nb");
        QTest::newRow("no-end") << QByteArray("abc") << QByteArray("abc");
        QTest::newRow("smuggling") << QByteArray("x\n.\r\nMAIL FROM:<e@x>\r\n")
                                   << QByteArray("x\r\n.\r\nMAIL FROM:<e@x>\r\n");
    }
    void normalize()
    {
        QFETCH(QByteArray, in);
        QFETCH(QByteArray, out);
        QCOMPARE(normalizeCrlf(in), out);
    }

    void import_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("reversePath");
        QTest::addColumn<ByteList>("recipients");
        QTest::addColumn<QByteArray>("messageId");

        const QByteArray added =
            "Message-ID: <golden.0001@example.org>\r\nDate: Fri, 14 Mar 2025 09:26:53 +0100\r\n";
        QTest::newRow("complete-kept-byte-for-byte")
            << QByteArray(
                   "Date: Thu, 13 Mar 2025 10:00:00 +0000\r\nFrom: Alice <alice@example.org>\r\n"
                   "To: bob@example.net\r\nMessage-ID: <x1@example.org>\r\n"
                   "Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\nX-Odd:   spacing  \r\n\r\n"
                   "body \xC3\xBC\r\n.\r\n")
            << QByteArray(
                   "Date: Thu, 13 Mar 2025 10:00:00 +0000\r\nFrom: Alice <alice@example.org>\r\n"
                   "To: bob@example.net\r\nMessage-ID: <x1@example.org>\r\n"
                   "Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\nX-Odd:   spacing  \r\n\r\n"
                   "body \xC3\xBC\r\n.\r\n")
            << QByteArray("alice@example.org") << ByteList{"bob@example.net"}
            << QByteArray("x1@example.org");
        QTest::newRow("b053-adds-message-id-and-date")
            << QByteArray("From: alice@example.org\r\nTo: bob@example.net\r\n"
                          "Subject: B053 raw without Message-ID or Date\r\n\r\nbody\r\n")
            << added + "From: alice@example.org\r\nTo: bob@example.net\r\n"
                       "Subject: B053 raw without Message-ID or Date\r\n\r\nbody\r\n"
            << QByteArray("alice@example.org") << ByteList{"bob@example.net"}
            << QByteArray("golden.0001@example.org");
        QTest::newRow("lf-normalised")
            << QByteArray("From: alice@example.org\nTo: bob@example.net\nDate: x\nMessage-ID: "
                          "<a@b>\n\nline1\nline2\rline3")
            << QByteArray("From: alice@example.org\r\nTo: bob@example.net\r\nDate: "
                          "x\r\nMessage-ID: <a@b>\r\n\r\nline1\r\nline2\r\nline3")
            << QByteArray("alice@example.org") << ByteList{"bob@example.net"} << QByteArray("a@b");
        QTest::newRow("bcc-removed")
            << QByteArray(
                   "From: alice@example.org\r\nTo: bob@example.net\r\nBcc: dave@example.net,\r\n"
                   " eve@example.com\r\nCc: Carol <carol@example.net>, bob@example.net\r\n"
                   "bcc: frank@example.net\r\nDate: x\r\nMessage-ID: <a@b>\r\n\r\nBcc: stays in "
                   "body\r\n")
            << QByteArray("From: alice@example.org\r\nTo: bob@example.net\r\n"
                          "Cc: Carol <carol@example.net>, bob@example.net\r\n"
                          "Date: x\r\nMessage-ID: <a@b>\r\n\r\nBcc: stays in body\r\n")
            << QByteArray("alice@example.org")
            << ByteList{"bob@example.net", "dave@example.net", "eve@example.com",
                        "carol@example.net", "frank@example.net"}
            << QByteArray("a@b");
        QTest::newRow("resent-block")
            << QByteArray(
                   "Resent-From: Dave <dave@example.net>\r\nResent-To: carol@example.net\r\n"
                   "Resent-Bcc: eve@example.com\r\nResent-Date: y\r\nResent-Message-ID: <r@x>\r\n"
                   "From: alice@example.org\r\nTo: bob@example.net\r\nDate: x\r\nMessage-ID: "
                   "<a@b>\r\n\r\nbody\r\n")
            << QByteArray("Resent-From: Dave <dave@example.net>\r\nResent-To: carol@example.net\r\n"
                          "Resent-Date: y\r\nResent-Message-ID: <r@x>\r\n"
                          "From: alice@example.org\r\nTo: bob@example.net\r\nDate: "
                          "x\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n")
            << QByteArray("dave@example.net") << ByteList{"carol@example.net", "eve@example.com"}
            << QByteArray("a@b");
        QTest::newRow("idn-and-group")
            << QByteArray("From: =?UTF-8?q?J=C3=BCrgen?= <j@b\xC3\xBC"
                          "cher.example>\r\n"
                          "To: friends: bob@example.net, \"Carol, C\" <carol@example.net>;\r\n"
                          "Date: x\r\nMessage-ID: <a@b>\r\n\r\n")
            << QByteArray("From: =?UTF-8?q?J=C3=BCrgen?= <j@b\xC3\xBC"
                          "cher.example>\r\n"
                          "To: friends: bob@example.net, \"Carol, C\" <carol@example.net>;\r\n"
                          "Date: x\r\nMessage-ID: <a@b>\r\n\r\n")
            << QByteArray("j@xn--bcher-kva.example")
            << ByteList{"bob@example.net", "carol@example.net"} << QByteArray("a@b");
        QTest::newRow("headers-only")
            << QByteArray(
                   "From: alice@example.org\r\nTo: bob@example.net\r\nDate: x\r\nMessage-ID: <a@b>")
            << QByteArray("From: alice@example.org\r\nTo: bob@example.net\r\nDate: "
                          "x\r\nMessage-ID: <a@b>\r\n")
            << QByteArray("alice@example.org") << ByteList{"bob@example.net"} << QByteArray("a@b");
        QTest::newRow("mbox-from-line")
            << QByteArray(
                   "From alice@example.org Thu Mar 13 10:00:00 2025\nFrom: alice@example.org\nTo: "
                   "bob@example.net\nDate: x\nMessage-ID: <a@b>\n\nb\n")
            << QByteArray("From: alice@example.org\r\nTo: bob@example.net\r\nDate: "
                          "x\r\nMessage-ID: <a@b>\r\n\r\nb\r\n")
            << QByteArray("alice@example.org") << ByteList{"bob@example.net"} << QByteArray("a@b");
    }
    void import()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, reversePath);
        QFETCH(ByteList, recipients);
        QFETCH(QByteArray, messageId);
        ImportOptions options;
        options.gen = fixedGenerators();
        const ComposedMessage m = importMessage(raw, options);
        QVERIFY2(m.ok(), qPrintable(m.error));
        QCOMPARE(m.data, data);
        QCOMPARE(m.envelope.reversePath, reversePath);
        QCOMPARE(m.envelope.recipients, recipients);
        QCOMPARE(m.messageId, messageId);
        QVERIFY(!m.envelope.needsSmtpUtf8);
    }

    void overrides()
    {
        const QByteArray raw(
            "From: alice@example.org\r\nTo: bob@example.net\r\nBcc: eve@example.com\r\n\r\nb\r\n");
        ImportOptions options;
        options.mailFrom = QByteArray("bounces@example.org");
        options.recipients = {"dave@b\xC3\xBC"
                              "cher.example",
                              "j\xC3\xB6ran@example.net", "dave@xn--bcher-kva.example"};
        options.gen = fixedGenerators();
        const ComposedMessage m = importMessage(raw, options);
        QVERIFY2(m.ok(), qPrintable(m.error));
        QCOMPARE(m.envelope.reversePath, QByteArray("bounces@example.org"));
        QCOMPARE(m.envelope.recipients,
                 (ByteList{"dave@xn--bcher-kva.example", "j\xC3\xB6ran@example.net"}));
        QVERIFY(m.envelope.needsSmtpUtf8);
        QVERIFY(!m.data.contains("eve@example.com"));
        QVERIFY(m.data.startsWith("Message-ID: <golden.0001@example.org>\r\nDate: "));

        ImportOptions nullSender;
        nullSender.mailFrom = QByteArray();
        const ComposedMessage n = importMessage(raw, nullSender);
        QVERIFY2(n.ok(), qPrintable(n.error));
        QCOMPARE(n.envelope.reversePath, QByteArray());
        QCOMPARE(n.envelope.recipients, (ByteList{"bob@example.net", "eve@example.com"}));
    }

    void realGenerators()
    {
        const ComposedMessage m =
            importMessage("From: alice@example.org\r\nTo: bob@example.net\r\n\r\nb\r\n");
        QVERIFY2(m.ok(), qPrintable(m.error));
        QVERIFY(m.messageId.endsWith("@example.org"));
        QVERIFY(m.data.startsWith("Message-ID: <" + m.messageId + ">\r\nDate: "));
        QCOMPARE(crlfProblem(m.data), QString());
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not a message: empty");
        QTest::newRow("blank") << QByteArray(" \r\n\r\n") << QStringLiteral("not a message: empty");
        QTest::newRow("no-header")
            << QByteArray("\r\nbody only\r\n") << QStringLiteral("not a message: no header block");
        QTest::newRow("text") << QByteArray("Hello Bob,\nhow are you?\n")
                              << QStringLiteral("not a message: header line 1 is not a field");
        QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)
                                << QStringLiteral("not a message: header line 1 is not a field");
        QTest::newRow("nul") << QByteArray("From: a@b\0c\r\n\r\n", 14)
                             << QStringLiteral("not a message: NUL byte in the header");
        QTest::newRow("continuation-first")
            << QByteArray(" From: a@b\r\n\r\n")
            << QStringLiteral("not a message: the header starts with a continuation line");
        QTest::newRow("bad-line-later")
            << QByteArray("From: a@b.c\r\nTo: d@e.f\r\nnot a field\r\n\r\n")
            << QStringLiteral("not a message: header line 3 is not a field");
        QTest::newRow("no-from") << QByteArray("To: bob@example.net\r\n\r\nb\r\n")
                                 << QStringLiteral("no sender: the message has no From");
        QTest::newRow("no-recipients")
            << QByteArray("From: alice@example.org\r\nSubject: x\r\n\r\nb\r\n")
            << QStringLiteral("no recipients");
        QTest::newRow("bad-recipient")
            << QByteArray("From: alice@example.org\r\nTo: \"bob x\"@exa_mple.net\r\n\r\nb\r\n")
            << QStringLiteral("To: \"\"bob x\"@exa_mple.net\": invalid character '_' in domain");
    }
    void refused()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, error);
        const ComposedMessage m = importMessage(raw);
        QCOMPARE(m.error, error);
        // The kind of refusal is structured: callers decide on it, never on the words.
        QCOMPARE(m.notAMessage, error.startsWith(QLatin1String("not a message")));
        QVERIFY(m.data.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestMessageImport)
#include "tst_messageimport.moc"
