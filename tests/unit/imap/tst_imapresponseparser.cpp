// ImapResponseParser (RFC 9051 §7, §9): every input is fed whole, split at every byte position
// and byte by byte, with next() called after each read or only at the end; all must agree.
// Hostile inputs: oversized literal announcements, unterminated literals, huge lines, garbage.
#include "imap/ImapResponseParser.h"

#include <QTest>

using namespace outpost;

namespace {

// One line per response: "T tag STATUS [CODE data] text", "* …", "+ text"; "!error" last.
QByteArray describe(const ImapResponse &r)
{
    QByteArray out;
    switch (r.kind) {
    case ImapResponse::Kind::Tagged:
        out = "T " + r.tag;
        break;
    case ImapResponse::Kind::Untagged:
        out = "U";
        break;
    case ImapResponse::Kind::Continuation:
        return "C " + r.text;
    }
    if (r.status != ImapStatus::None) {
        out += ' ' + imapStatusName(r.status);
        if (!r.code.isEmpty())
            out += " [" + r.code + '|' + r.codeData + ']';
        return out + " text=" + r.text;
    }
    if (r.number >= 0)
        out += " #" + QByteArray::number(r.number);
    out += ' ' + r.name;
    for (const ImapValue &v : r.values)
        out += ' ' + v.toWire();
    return out;
}

void drain(ImapResponseParser &p, QList<QByteArray> *out)
{
    for (;;) {
        ImapResponse r;
        switch (p.next(&r)) {
        case ImapResponseParser::Status::NeedMore:
            return;
        case ImapResponseParser::Status::Response:
            out->append(describe(r));
            break;
        case ImapResponseParser::Status::Error:
            if (out->isEmpty() || out->last() != "!error")
                out->append("!error");
            return;
        }
    }
}

QList<QByteArray> run(const QList<QByteArray> &chunks, ImapResponseParser::Limits limits,
                      bool interleaved, bool *buffered = nullptr)
{
    ImapResponseParser p(limits);
    QList<QByteArray> out;
    for (const QByteArray &c : chunks) {
        p.feed(c);
        if (interleaved)
            drain(p, &out);
    }
    drain(p, &out);
    if (buffered)
        *buffered = p.hasBufferedData();
    return out;
}

ImapResponseParser::Limits small()
{
    ImapResponseParser::Limits l;
    l.maxLineLength = 64;
    l.maxLiteralSize = 16;
    l.maxResponseSize = 128;
    l.maxDepth = 3;
    return l;
}

} // namespace

class TestImapResponseParser : public QObject
{
    Q_OBJECT
private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("smallLimits");
        QTest::addColumn<QList<QByteArray>>("expected");
        QTest::addColumn<bool>("buffered"); // hasBufferedData() at the end
        using L = QList<QByteArray>;

        // Greetings and status responses (RFC 9051 §7.1).
        QTest::newRow("greeting with capability code")
            << QByteArray(
                   "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n")
            << false
            << L{"U OK [CAPABILITY|IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] text=Dovecot ready."}
            << false;
        QTest::newRow("preauth") << QByteArray("* PREAUTH welcome\r\n") << false
                                 << L{"U PREAUTH text=welcome"} << false;
        QTest::newRow("bye") << QByteArray("* BYE Autologout; idle for too long\r\n") << false
                             << L{"U BYE text=Autologout; idle for too long"} << false;
        QTest::newRow("tagged ok without text")
            << QByteArray("A1 OK\r\n") << false << L{"T A1 OK text="} << false;
        QTest::newRow("appenduid")
            << QByteArray("A3 OK [APPENDUID 38505 3955] Append completed.\r\n") << false
            << L{"T A3 OK [APPENDUID|38505 3955] text=Append completed."} << false;
        QTest::newRow("overquota")
            << QByteArray("A4 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n")
            << false << L{"T A4 NO [OVERQUOTA|] text=Quota exceeded (mailbox for user is full)"}
            << false;
        QTest::newRow("trycreate lower-case code")
            << QByteArray("a.5 no [trycreate] Mailbox doesn't exist: Sent\r\n") << false
            << L{"T a.5 NO [TRYCREATE|] text=Mailbox doesn't exist: Sent"} << false;
        QTest::newRow("code without text") << QByteArray("A1 OK [READ-ONLY]\r\n") << false
                                           << L{"T A1 OK [READ-ONLY|] text="} << false;
        QTest::newRow("code with list")
            << QByteArray("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n") << false
            << L{"U OK [PERMANENTFLAGS|(\\Deleted \\Seen \\*)] text=Limited"} << false;
        QTest::newRow("bad") << QByteArray("A9 BAD Error in IMAP command: Unknown\r\n") << false
                             << L{"T A9 BAD text=Error in IMAP command: Unknown"} << false;
        QTest::newRow("bare LF tolerated")
            << QByteArray("A1 OK done\n") << false << L{"T A1 OK text=done"} << false;

        // Continuation requests (RFC 9051 §7.5).
        QTest::newRow("continuation") << QByteArray("+ OK\r\n") << false << L{"C OK"} << false;
        QTest::newRow("empty continuation") << QByteArray("+\r\n") << false << L{"C "} << false;
        QTest::newRow("continuation ending like a literal")
            << QByteArray("+ ready {5}\r\n") << false << L{"C ready {5}"} << false;

        // Data.
        QTest::newRow("capability")
            << QByteArray("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n") << false
            << L{"U CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED"} << false;
        QTest::newRow("list special-use")
            << QByteArray("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n") << false
            << L{"U LIST (\\HasNoChildren \\Sent) \"/\" Sent"} << false;
        QTest::newRow("list quoted name, NIL delimiter")
            << QByteArray("* LIST () NIL \"Sent Items\"\r\n") << false
            << L{"U LIST () NIL \"Sent Items\""} << false;
        QTest::newRow("list literal name")
            << QByteArray("* LIST (\\Noselect) \".\" {10}\r\nSent \"x\" )\r\n") << false
            << L{"U LIST (\\Noselect) \".\" \"Sent \\\"x\\\" )\""} << false;
        QTest::newRow("literal plus form and empty literal")
            << QByteArray("* LIST () \"/\" {0+}\r\n\r\n") << false << L{"U LIST () \"/\" \"\""}
            << false;
        QTest::newRow("quoted escapes") << QByteArray("* LIST () \"\\\\\" \"a\\\"b\"\r\n") << false
                                        << L{"U LIST () \"\\\\\" \"a\\\"b\""} << false;
        QTest::newRow("search") << QByteArray("* SEARCH 2 84 882\r\n") << false
                                << L{"U SEARCH 2 84 882"} << false;
        QTest::newRow("empty search, trailing space")
            << QByteArray("* SEARCH \r\n") << false << L{"U SEARCH"} << false;
        QTest::newRow("exists") << QByteArray("* 23 EXISTS\r\n") << false << L{"U #23 EXISTS"}
                                << false;
        QTest::newRow("fetch with nested list and literal")
            << QByteArray("* 12 FETCH (UID 7 FLAGS (\\Seen) BODY[] {5}\r\nab\r\nc)\r\n") << false
            << L{"U #12 FETCH (UID 7 FLAGS (\\Seen) BODY[] \"ab\r\nc\")"} << false;
        QTest::newRow("two literals in one response")
            << QByteArray("* X {1}\r\na {2}\r\nbc end\r\n") << false << L{"U X \"a\" \"bc\" end"}
            << false;
        QTest::newRow("several responses in one read")
            << QByteArray("* 1 EXISTS\r\n* BYE bye\r\nA1 OK x\r\n") << false
            << L{"U #1 EXISTS", "U BYE text=bye", "T A1 OK text=x"} << false;
        QTest::newRow("incomplete line is buffered")
            << QByteArray("A1 OK [APPENDUID 1 2] don") << false << L{} << true;
        QTest::newRow("unterminated literal at EOF")
            << QByteArray("* LIST () \"/\" {10}\r\nSent") << false << L{} << true;
        QTest::newRow("responses before an unterminated literal")
            << QByteArray("A1 OK x\r\n* LIST () \"/\" {10}\r\nSe") << false << L{"T A1 OK text=x"}
            << true;

        // Hostile or malformed.
        QTest::newRow("oversized literal announcement")
            << QByteArray("* LIST () \"/\" {4294967296}\r\n") << false << L{"!error"} << false;
        QTest::newRow("literal announcement beyond 64 bits")
            << QByteArray("* X {99999999999999999999999}\r\n") << false << L{"!error"} << false;
        QTest::newRow("literal over the small limit")
            << QByteArray("* X {17}\r\n") << true << L{"!error"} << false;
        QTest::newRow("literal at the small limit")
            << QByteArray("* X {16}\r\n0123456789abcdef\r\n") << true
            << L{"U X \"0123456789abcdef\""} << false;
        QTest::newRow("response over the small total")
            << QByteArray("* X {16}\r\n0123456789abcdef {16}\r\n0123456789abcdef {16}\r\n"
                          "0123456789abcdef {16}\r\n0123456789abcdef {16}\r\n"
                          "0123456789abcdef {16}\r\n0123456789abcdef {16}\r\n")
            << true << L{"!error"} << false;
        QTest::newRow("huge line") << QByteArray("* OK ") + QByteArray(70000, 'a') + "\r\n"
                                   << false << L{"!error"} << false;
        QTest::newRow("huge line without LF")
            << QByteArray(70000, 'a') << false << L{"!error"} << false;
        QTest::newRow("line at the small limit")
            << QByteArray("* OK ") + QByteArray(57, 'a') + "\r\n"
            << true << L{"U OK text=" + QByteArray(57, 'a')} << false;
        QTest::newRow("line over the small limit")
            << QByteArray("* OK ") + QByteArray(58, 'a') + "\r\n"
            << true << L{"!error"} << false;
        QTest::newRow("nesting too deep")
            << QByteArray("* X ((((a))))\r\n") << true << L{"!error"} << false;
        QTest::newRow("nesting at the limit")
            << QByteArray("* X (((a)))\r\n") << true << L{"U X (((a)))"} << false;
        QTest::newRow("unterminated list")
            << QByteArray("* X (a b\r\n") << false << L{"!error"} << false;
        QTest::newRow("unbalanced close")
            << QByteArray("* X a)\r\n") << false << L{"!error"} << false;
        QTest::newRow("unterminated quoted")
            << QByteArray("* X \"abc\r\n") << false << L{"!error"} << false;
        QTest::newRow("garbage") << QByteArray("HTTP/1.1 400 Bad Request\r\n") << false
                                 << L{"!error"} << false;
        QTest::newRow("empty line") << QByteArray("\r\n") << false << L{"!error"} << false;
        QTest::newRow("tag only") << QByteArray("A1\r\n") << false << L{"!error"} << false;
        QTest::newRow("tagged BYE") << QByteArray("A1 BYE x\r\n") << false << L{"!error"} << false;
        QTest::newRow("tagged data")
            << QByteArray("A1 CAPABILITY IMAP4rev1\r\n") << false << L{"!error"} << false;
        QTest::newRow("bad tag char")
            << QByteArray("A\"1 OK x\r\n") << false << L{"!error"} << false;
        QTest::newRow("NUL in line")
            << QByteArray("* OK a\0b\r\n", 10) << false << L{"!error"} << false;
        QTest::newRow("bare CR in line")
            << QByteArray("* OK a\rb\r\n") << false << L{"!error"} << false;
        QTest::newRow("unterminated code")
            << QByteArray("A1 NO [OVERQUOTA quota\r\n") << false << L{"!error"} << false;
        QTest::newRow("literal in status text")
            << QByteArray("A1 NO quota {3}\r\nabc\r\n") << false << L{"!error"} << false;
        QTest::newRow("literal announcement mid-line")
            << QByteArray("* X {3}a\r\n") << false << L{"!error"} << false;
        QTest::newRow("error after good responses")
            << QByteArray("* 1 EXISTS\r\nA1 OK x\r\n)garbage\r\n* 2 EXISTS\r\n") << false
            << L{"U #1 EXISTS", "T A1 OK text=x", "!error"} << false;
    }

    void parse()
    {
        QFETCH(QByteArray, input);
        QFETCH(bool, smallLimits);
        QFETCH(QList<QByteArray>, expected);
        QFETCH(bool, buffered);
        const ImapResponseParser::Limits limits =
            smallLimits ? small() : ImapResponseParser::Limits();

        bool whole = false;
        QCOMPARE(run({input}, limits, true, &whole), expected);
        QCOMPARE(whole, buffered);
        QCOMPARE(run({input}, limits, false), expected);

        QList<QByteArray> bytes;
        for (qsizetype i = 0; i < input.size(); ++i)
            bytes << input.mid(i, 1);
        if (input.size() < 2000) {
            QCOMPARE(run(bytes, limits, true), expected);
            for (qsizetype cut = 1; cut < input.size(); ++cut) {
                const QList<QByteArray> split{input.left(cut), input.mid(cut)};
                if (run(split, limits, true) != expected)
                    QFAIL(qPrintable(QStringLiteral("differs when split at %1").arg(cut)));
            }
        }
    }

    void codeArguments()
    {
        ImapResponseParser p;
        p.feed("A3 OK [APPENDUID 38505 3955] Append completed.\r\n");
        ImapResponse r;
        QCOMPARE(p.next(&r), ImapResponseParser::Status::Response);
        QCOMPARE(r.codeArguments(), (QList<QByteArray>{"38505", "3955"}));
        QCOMPARE(r.toLogLine(), QByteArray("A3 OK [APPENDUID 38505 3955] Append completed."));
    }

    void numbers()
    {
        bool ok = false;
        ImapValue v;
        v.bytes = "4294967295";
        QCOMPARE(v.toNumber(&ok), 4294967295u);
        QVERIFY(ok);
        v.bytes = "4294967296";
        v.toNumber(&ok);
        QVERIFY(!ok);
        v.bytes = "12a";
        v.toNumber(&ok);
        QVERIFY(!ok);
    }

    // An announced literal is refused before its octets arrive: nothing of it is buffered.
    void oversizedLiteralFailsAtOnce()
    {
        ImapResponseParser p;
        p.feed("* LIST () \"/\" {2147483648}\r\n");
        ImapResponse r;
        QCOMPARE(p.next(&r), ImapResponseParser::Status::Error);
        QVERIFY(p.errorString().contains(QLatin1String("2147483648")));
        p.feed(QByteArray(1 << 20, 'x'));
        QCOMPARE(p.bufferedSize(), 0);
        QVERIFY(p.offendingBytes().size() <= 200);
        p.reset();
        p.feed("A1 OK x\r\n");
        QCOMPARE(p.next(&r), ImapResponseParser::Status::Response);
    }

    // A literal is buffered as it arrives, up to its announced size, and no more.
    void literalBufferedBounded()
    {
        ImapResponseParser p;
        p.feed("* X {1048576}\r\n");
        for (int i = 0; i < 1024; ++i) {
            p.feed(QByteArray(1024, 'y'));
            QVERIFY(p.bufferedSize() <= 1048576 + 64);
        }
        QVERIFY(!p.inLiteral());
        p.feed("\r\n");
        ImapResponse r;
        QCOMPARE(p.next(&r), ImapResponseParser::Status::Response);
        QCOMPARE(r.values.value(0).bytes.size(), 1048576);
    }
};

QTEST_GUILESS_MAIN(TestImapResponseParser)
#include "tst_imapresponseparser.moc"
