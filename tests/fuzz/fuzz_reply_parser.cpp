// libFuzzer target for SmtpReplyParser (RFC 5321 §4.2). The input is raw server bytes. Each
// input is parsed whole, byte by byte and split in two (next() after every read), with the
// default limits and with small ones; all runs must agree, every reply must be well formed
// and the buffer must stay bounded. A violated property aborts (a crash for libFuzzer).
#include "smtp/SmtpReplyParser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace outpost;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_reply_parser: property violated: %s\n", what);
        std::abort();
    }
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// "x.y.z" with 1-3 digits in y and z, class digit matching the code (RFC 3463 §2).
bool validEnhanced(const QByteArray &e, int code)
{
    if (e.isEmpty())
        return true;
    const QList<QByteArray> parts = e.split('.');
    if (parts.size() != 3 || parts[0] != QByteArray::number(code / 100))
        return false;
    for (int i = 1; i < 3; ++i) {
        if (parts[i].isEmpty() || parts[i].size() > 3)
            return false;
        for (const char c : parts[i]) {
            if (!isDigit(c))
                return false;
        }
    }
    return true;
}

QByteArray describe(const SmtpReply &r)
{
    QByteArray out = QByteArray::number(r.code) + '|' + r.enhanced;
    for (const QByteArray &l : r.lines)
        out += '|' + l;
    return out;
}

QList<QByteArray> run(const QList<QByteArray> &chunks, SmtpReplyParser::Limits limits)
{
    SmtpReplyParser p(limits);
    QList<QByteArray> out;
    bool failed = false;
    for (const QByteArray &c : chunks) {
        p.feed(c);
        // Only the unterminated last line is bounded; complete lines of this read may wait.
        check(p.bufferedSize() <= c.size() + limits.maxLineLength + 1 || failed,
              "buffer grew beyond the last read plus maxLineLength + 1");
        for (;;) {
            SmtpReply r;
            const auto st = p.next(&r);
            if (st == SmtpReplyParser::Status::NeedMore)
                break;
            if (st == SmtpReplyParser::Status::Error) {
                check(!p.errorString().isEmpty(), "error without errorString()");
                check(p.offendingBytes().size() <= 200, "offendingBytes() longer than 200");
                check(p.bufferedSize() == 0, "bytes kept after an error");
                check(!p.hasBufferedData(), "partial reply kept after an error");
                if (!failed)
                    out << "!error";
                failed = true;
                break;
            }
            check(r.code >= 200 && r.code <= 599, "reply code out of range");
            check(!r.lines.isEmpty(), "reply without lines");
            check(r.lines.size() <= limits.maxLines, "more lines than maxLines");
            check(validEnhanced(r.enhanced, r.code), "malformed enhanced code");
            for (const QByteArray &l : r.lines) {
                check(l.size() < limits.maxLineLength, "line longer than maxLineLength");
                check(!l.contains('\r') && !l.contains('\n') && !l.contains('\0'),
                      "control character in a reply line");
            }
            out << describe(r);
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    SmtpReplyParser::Limits small;
    small.maxLineLength = 24;
    small.maxLines = 4;
    for (const SmtpReplyParser::Limits &limits : {SmtpReplyParser::Limits(), small}) {
        const QList<QByteArray> whole = run({input}, limits);
        QList<QByteArray> bytes;
        for (qsizetype i = 0; i < input.size(); ++i)
            bytes << input.mid(i, 1);
        check(run(bytes, limits) == whole, "byte-by-byte parse differs from the whole parse");
        const qsizetype half = input.size() / 2;
        check(run({input.left(half), input.mid(half)}, limits) == whole,
              "split parse differs from the whole parse");
    }
    return 0;
}
