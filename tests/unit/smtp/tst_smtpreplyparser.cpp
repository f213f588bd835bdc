// SmtpReplyParser (RFC 5321 §4.2): every input is fed whole, split at every byte position and
// byte by byte, with next() called after each read or only at the end; all must agree.
#include "smtp/SmtpReplyParser.h"

#include <QElapsedTimer>
#include <QTest>

using namespace outpost;

namespace {

// "code|enhanced|line|line..." for a reply, "!error" for a parser error.
QByteArray describe(const SmtpReply &r)
{
    QByteArray out = QByteArray::number(r.code) + '|' + r.enhanced;
    for (const QByteArray &l : r.lines)
        out += '|' + l;
    return out;
}

// Takes every available reply; appends "!error" and stops on an error.
void drain(SmtpReplyParser &p, QList<QByteArray> *out)
{
    for (;;) {
        SmtpReply r;
        switch (p.next(&r)) {
        case SmtpReplyParser::Status::NeedMore:
            return;
        case SmtpReplyParser::Status::Reply:
            out->append(describe(r));
            break;
        case SmtpReplyParser::Status::Error:
            if (out->isEmpty() || out->last() != "!error")
                out->append("!error");
            return;
        }
    }
}

// Feeds the chunks, calling next() after each one (interleaved) or only at the end.
QList<QByteArray> run(const QList<QByteArray> &chunks, SmtpReplyParser::Limits limits,
                      bool interleaved)
{
    SmtpReplyParser p(limits);
    QList<QByteArray> out;
    for (const QByteArray &c : chunks) {
        p.feed(c);
        if (interleaved)
            drain(p, &out);
    }
    drain(p, &out);
    return out;
}

SmtpReplyParser::Limits limits(int maxLineLength, int maxLines)
{
    SmtpReplyParser::Limits l;
    l.maxLineLength = maxLineLength;
    l.maxLines = maxLines;
    return l;
}

} // namespace

class TestSmtpReplyParser : public QObject
{
    Q_OBJECT
private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("maxLineLength");
        QTest::addColumn<int>("maxLines");
        QTest::addColumn<QList<QByteArray>>("expected");
        QTest::addColumn<bool>("buffered"); // hasBufferedData() at the end
        using L = QList<QByteArray>;
        const int len = SmtpReplyParser::Limits().maxLineLength;
        const int lines = SmtpReplyParser::Limits().maxLines;

        // Plain replies.
        QTest::newRow("greeting") << QByteArray("220 mx.example.com ESMTP ready\r\n") << len
                                  << lines << L{"220||mx.example.com ESMTP ready"} << false;
        QTest::newRow("ehlo multi-line")
            << QByteArray("250-mx.example.com Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
                          "250 AUTH PLAIN LOGIN\r\n")
            << len << lines << L{"250||mx.example.com Hello|PIPELINING|SIZE 1000|AUTH PLAIN LOGIN"}
            << false;
        QTest::newRow("code only") << QByteArray("250\r\n") << len << lines << L{"250||"} << false;
        QTest::newRow("code and space")
            << QByteArray("250 \r\n") << len << lines << L{"250||"} << false;
        QTest::newRow("empty continuation lines")
            << QByteArray("250-\r\n250-\r\n250\r\n") << len << lines << L{"250||||"} << false;
        QTest::newRow("multi-line ending in code only")
            << QByteArray("250-first\r\n250\r\n") << len << lines << L{"250||first|"} << false;
        QTest::newRow("text keeps inner spaces") << QByteArray("250  two  spaces \r\n") << len
                                                 << lines << L{"250|| two  spaces "} << false;
        QTest::newRow("utf-8 text kept raw")
            << QByteArray("550 Empf\xc3\xa4nger unbekannt\r\n") << len << lines
            << L{"550||Empf\xc3\xa4nger unbekannt"} << false;
        QTest::newRow("8-bit garbage kept raw") << QByteArray("451 \xff\xfe\x80\r\n") << len
                                                << lines << L{"451||\xff\xfe\x80"} << false;
        QTest::newRow("all classes") << QByteArray("220 a\r\n354 b\r\n421 c\r\n554 d\r\n") << len
                                     << lines << L{"220||a", "354||b", "421||c", "554||d"} << false;

        // Several replies in one read, and a partial one at the end.
        QTest::newRow("pipelined replies")
            << QByteArray("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
            << len << lines
            << L{"250|2.1.0|Ok", "250|2.1.5|Ok", "354||End data with <CR><LF>.<CR><LF>"} << false;
        QTest::newRow("reply then partial") << QByteArray("250 Ok\r\n250-partial\r\n250 not yet")
                                            << len << lines << L{"250||Ok"} << true;
        QTest::newRow("partial line only") << QByteArray("250 Ok") << len << lines << L{} << true;
        QTest::newRow("partial CR only") << QByteArray("250 Ok\r") << len << lines << L{} << true;
        QTest::newRow("nothing") << QByteArray() << len << lines << L{} << false;

        // Enhanced status codes (RFC 3463).
        QTest::newRow("enhanced") << QByteArray("250 2.1.5 Recipient ok\r\n") << len << lines
                                  << L{"250|2.1.5|Recipient ok"} << false;
        QTest::newRow("enhanced only")
            << QByteArray("250 2.0.0\r\n") << len << lines << L{"250|2.0.0|"} << false;
        QTest::newRow("enhanced three-digit parts")
            << QByteArray("550 5.123.456 x\r\n") << len << lines << L{"550|5.123.456|x"} << false;
        QTest::newRow("enhanced on every line")
            << QByteArray("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n") << len
            << lines << L{"550|5.7.1|first|second|third"} << false;
        QTest::newRow("enhanced on first line only")
            << QByteArray("452-4.5.3 Too many\r\n452 recipients\r\n") << len << lines
            << L{"452|4.5.3|Too many|recipients"} << false;
        QTest::newRow("enhanced class mismatch")
            << QByteArray("550 2.1.5 odd\r\n") << len << lines << L{"550||2.1.5 odd"} << false;
        QTest::newRow("not enhanced: four-digit subject")
            << QByteArray("250 2.1000.0 x\r\n") << len << lines << L{"250||2.1000.0 x"} << false;
        QTest::newRow("not enhanced: four-digit detail")
            << QByteArray("250 2.1.5000 x\r\n") << len << lines << L{"250||2.1.5000 x"} << false;
        QTest::newRow("not enhanced: glued text")
            << QByteArray("250 2.0.0ok\r\n") << len << lines << L{"250||2.0.0ok"} << false;
        QTest::newRow("not enhanced: two parts")
            << QByteArray("250 2.0 ok\r\n") << len << lines << L{"250||2.0 ok"} << false;
        QTest::newRow("not enhanced: version number")
            << QByteArray("220 2.5 ESMTP\r\n") << len << lines << L{"220||2.5 ESMTP"} << false;

        // Bare LF is tolerated.
        QTest::newRow("bare LF") << QByteArray("250-a\n250 b\n") << len << lines << L{"250||a|b"}
                                 << false;
        QTest::newRow("mixed LF and CRLF") << QByteArray("250-a\n250 b\r\n220 c\n") << len << lines
                                           << L{"250||a|b", "220||c"} << false;

        // Malformed codes and separators.
        for (const char *bad : {"25 ok", "25", "2500 ok", "abc ok", "2x0 ok", "150 ok", "650 ok",
                                "099 ok", "", " 250 ok", "250_ok", "250\tok", "-250 ok", "+OK"}) {
            QTest::newRow(qPrintable(QStringLiteral("malformed \"%1\"").arg(QLatin1String(bad))))
                << QByteArray(bad) + "\r\n"
                << len << lines << L{"!error"} << false;
        }
        QTest::newRow("valid reply then malformed")
            << QByteArray("250 ok\r\nxyz\r\n250 never\r\n") << len << lines
            << L{"250||ok", "!error"} << false;
        QTest::newRow("malformed inside multi-line")
            << QByteArray("250-a\r\nbogus\r\n250 b\r\n") << len << lines << L{"!error"} << false;

        // A multi-line reply must keep its code.
        QTest::newRow("mixed codes")
            << QByteArray("250-a\r\n251 b\r\n") << len << lines << L{"!error"} << false;
        QTest::newRow("mixed codes, same class")
            << QByteArray("250-a\r\n250-b\r\n220 c\r\n") << len << lines << L{"!error"} << false;
        QTest::newRow("mixed codes after a good reply")
            << QByteArray("221 bye\r\n550-a\r\n450 b\r\n") << len << lines
            << L{"221||bye", "!error"} << false;

        // Control characters inside a line.
        QTest::newRow("NUL") << QByteArray("250 a\0b\r\n", 9) << len << lines << L{"!error"}
                             << false;
        QTest::newRow("NUL in code") << QByteArray("2\0"
                                                   "50 a\r\n",
                                                   8)
                                     << len << lines << L{"!error"} << false;
        QTest::newRow("CR inside")
            << QByteArray("250 a\rb\r\n") << len << lines << L{"!error"} << false;
        QTest::newRow("double CR")
            << QByteArray("250 a\r\r\n") << len << lines << L{"!error"} << false;
        QTest::newRow("CR line") << QByteArray("\r\n") << len << lines << L{"!error"} << false;

        // Limits, small so that every split position is tried (CRLF counts).
        QTest::newRow("line at the length limit")
            << QByteArray("250 abcdefghijkl\r\n") << 18 << lines << L{"250||abcdefghijkl"} << false;
        QTest::newRow("line one over the length limit")
            << QByteArray("250 abcdefghijklm\r\n") << 18 << lines << L{"!error"} << false;
        QTest::newRow("unterminated line over the limit")
            << QByteArray("250 abcdefghijklmnopqrstuvwxyz") << 18 << lines << L{"!error"} << false;
        QTest::newRow("bare-LF line at the limit")
            << QByteArray("250 abcdefghijklm\n") << 18 << lines << L{"250||abcdefghijklm"} << false;
        QTest::newRow("good reply, then too long")
            << QByteArray("250 ok\r\n250 abcdefghijklmnopqrstuvwxyz\r\n") << 18 << lines
            << L{"250||ok", "!error"} << false;
        QTest::newRow("lines at the limit")
            << QByteArray("250-a\r\n250-b\r\n250 c\r\n") << len << 3 << L{"250||a|b|c"} << false;
        QTest::newRow("lines over the limit") << QByteArray("250-a\r\n250-b\r\n250-c\r\n250 d\r\n")
                                              << len << 3 << L{"!error"} << false;
        QTest::newRow("line limit is per reply")
            << QByteArray("250-a\r\n250-b\r\n250 c\r\n250-d\r\n250-e\r\n250 f\r\n") << len << 3
            << L{"250||a|b|c", "250||d|e|f"} << false;
    }

    void parse()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, maxLineLength);
        QFETCH(int, maxLines);
        QFETCH(QList<QByteArray>, expected);
        QFETCH(bool, buffered);
        const auto lim = limits(maxLineLength, maxLines);

        for (const bool interleaved : {true, false}) {
            // Whole.
            QCOMPARE(run({input}, lim, interleaved), expected);
            // Byte by byte.
            QList<QByteArray> bytes;
            for (qsizetype i = 0; i < input.size(); ++i)
                bytes << input.mid(i, 1);
            QCOMPARE(run(bytes, lim, interleaved), expected);
            // Split at every position (also with empty reads at either end).
            for (qsizetype i = 0; i <= input.size(); ++i) {
                const QList<QByteArray> parts{input.left(i), input.mid(i)};
                const auto got = run(parts, lim, interleaved);
                if (got != expected)
                    qWarning("split at %lld (interleaved %d)", qlonglong(i), int(interleaved));
                QCOMPARE(got, expected);
            }
        }

        SmtpReplyParser p(lim);
        p.feed(input);
        QList<QByteArray> out;
        drain(p, &out);
        QCOMPARE(p.hasBufferedData(), buffered);
        const bool failed = !out.isEmpty() && out.last() == "!error";
        QCOMPARE(!p.errorString().isEmpty(), failed);
        if (failed) {
            QVERIFY(p.offendingBytes().size() <= 200);
            QCOMPARE(p.bufferedSize(), 0);
        }
    }

    // The error state is sticky until reset(); reset() makes the parser usable again.
    void errorIsStickyUntilReset()
    {
        SmtpReplyParser p;
        p.feed("bogus\r\n");
        SmtpReply r;
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::Error);
        QCOMPARE(p.errorString(), QStringLiteral("malformed reply code"));
        QCOMPARE(p.offendingBytes(), QByteArray("bogus"));
        p.feed("250 ok\r\n");
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::Error);
        QCOMPARE(p.bufferedSize(), 0);
        p.reset();
        QVERIFY(p.errorString().isEmpty());
        QVERIFY(p.offendingBytes().isEmpty());
        QVERIFY(!p.hasBufferedData());
        p.feed("250 ok\r\n");
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::Reply);
        QCOMPARE(describe(r), QByteArray("250||ok"));
    }

    void resetDropsPartialReply()
    {
        SmtpReplyParser p;
        p.feed("250-a\r\n250-b\r\n250 c");
        SmtpReply r;
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::NeedMore);
        QVERIFY(p.hasBufferedData());
        p.reset();
        QVERIFY(!p.hasBufferedData());
        p.feed("220 fresh\r\n");
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::Reply);
        QCOMPARE(describe(r), QByteArray("220||fresh"));
    }

    // Bytes after a complete reply are visible (STARTTLS injection check, RFC 3207 §6).
    void bufferedDataAfterReply()
    {
        SmtpReplyParser p;
        p.feed("220 Go ahead\r\n250 injected\r\n");
        SmtpReply r;
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::Reply);
        QCOMPARE(r.code, 220);
        QVERIFY(p.hasBufferedData());
        QCOMPARE(p.bufferedSize(), qsizetype(qstrlen("250 injected\r\n")));
    }

    // 1 MiB without LF: fails, and never holds more than maxLineLength + 1 octets of it,
    // however it is read and whether or not next() is called between reads.
    void overLongLine_data()
    {
        QTest::addColumn<int>("chunk");
        QTest::addColumn<bool>("interleaved");
        QTest::addColumn<QByteArray>("prefix");
        for (const int chunk : {1 << 20, 65536, 4096, 1000, 7}) {
            for (const bool interleaved : {true, false}) {
                QTest::newRow(qPrintable(QStringLiteral("chunk %1 %2")
                                             .arg(chunk)
                                             .arg(interleaved ? QLatin1String("interleaved")
                                                              : QLatin1String("batched"))))
                    << chunk << interleaved << QByteArray();
            }
        }
        QTest::newRow("after a reply, one read") << (1 << 20) << false << QByteArray("250 ok\r\n");
        QTest::newRow("after a reply, 4096") << 4096 << true << QByteArray("250 ok\r\n");
    }
    void overLongLine()
    {
        QFETCH(int, chunk);
        QFETCH(bool, interleaved);
        QFETCH(QByteArray, prefix);
        const QByteArray line = "250 " + QByteArray((1 << 20) - 4, 'x');
        const QByteArray input = prefix + line;
        SmtpReplyParser p;
        const qsizetype bound = prefix.size() + SmtpReplyParser::Limits().maxLineLength + 1;
        QList<QByteArray> out;
        qsizetype maxHeld = 0;
        for (qsizetype i = 0; i < input.size(); i += chunk) {
            p.feed(input.mid(i, chunk));
            maxHeld = qMax(maxHeld, p.bufferedSize());
            if (interleaved)
                drain(p, &out);
        }
        drain(p, &out);
        QVERIFY2(maxHeld <= bound, qPrintable(QString::number(maxHeld)));
        QList<QByteArray> expected;
        if (!prefix.isEmpty())
            expected << "250||ok";
        expected << "!error";
        QCOMPARE(out, expected);
        QVERIFY(p.errorString().contains(QLatin1String("longer than 2048")));
        QCOMPARE(p.offendingBytes(), line.left(200));
        QCOMPARE(p.bufferedSize(), 0);
        // The LF arriving later does not revive the line.
        p.feed("\r\n250 ok\r\n");
        SmtpReply r;
        QCOMPARE(p.next(&r), SmtpReplyParser::Status::Error);
    }

    // A reply of 100000 continuation lines fails at maxLines.
    void manyContinuationLines_data()
    {
        QTest::addColumn<int>("chunk");
        QTest::newRow("one read") << 0;
        QTest::newRow("4096") << 4096;
        QTest::newRow("one line per read") << -1;
    }
    void manyContinuationLines()
    {
        QFETCH(int, chunk);
        const QByteArray contLine = "250-continuation line\r\n";
        QByteArray input;
        for (int i = 0; i < 100000; ++i)
            input += contLine;
        input += "250 end\r\n";
        const int step = chunk == 0 ? int(input.size()) : chunk < 0 ? int(contLine.size()) : chunk;
        SmtpReplyParser p;
        QList<QByteArray> out;
        QElapsedTimer t;
        t.start();
        for (qsizetype i = 0; i < input.size(); i += step) {
            p.feed(input.mid(i, step));
            drain(p, &out);
        }
        QCOMPARE(out, QList<QByteArray>{"!error"});
        QCOMPARE(p.errorString(), QStringLiteral("reply has more than 512 lines"));
        QCOMPARE(p.offendingBytes(), QByteArray("250-continuation line"));
        QVERIFY2(t.elapsed() < 5000, "parsing must stay linear");
    }

    // 100000 small replies in one read: all are returned, in linear time.
    void manyRepliesInOneRead()
    {
        QByteArray input;
        for (int i = 0; i < 100000; ++i)
            input += "250 2.1.5 Ok " + QByteArray::number(i) + "\r\n";
        SmtpReplyParser p;
        p.feed(input);
        QElapsedTimer t;
        t.start();
        SmtpReply r;
        int n = 0;
        while (p.next(&r) == SmtpReplyParser::Status::Reply) {
            QCOMPARE(r.code, 250);
            QCOMPARE(r.enhanced, QByteArray("2.1.5"));
            QCOMPARE(r.lines, QList<QByteArray>{"Ok " + QByteArray::number(n)});
            ++n;
        }
        QCOMPARE(n, 100000);
        QVERIFY(!p.hasBufferedData());
        QVERIFY2(t.elapsed() < 5000, "parsing must stay linear");
    }
};

QTEST_GUILESS_MAIN(TestSmtpReplyParser)
#include "tst_smtpreplyparser.moc"
