#include "SmtpReplyParser.h"

namespace outpost {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Splits an enhanced status code (RFC 3463 §2: class "." subject "." detail) off the text
// when its class digit matches the reply code's first digit.
QByteArray splitEnhanced(int code, QByteArray *text)
{
    const QByteArray &t = *text;
    const char cls = char('0' + code / 100);
    if (t.size() < 5 || t[0] != cls || t[1] != '.')
        return {};
    qsizetype i = 2;
    int digits = 0;
    while (i < t.size() && isDigit(t[i]) && digits < 3) {
        ++i;
        ++digits;
    }
    if (digits == 0 || i >= t.size() || t[i] != '.')
        return {};
    ++i;
    digits = 0;
    while (i < t.size() && isDigit(t[i]) && digits < 3) {
        ++i;
        ++digits;
    }
    if (digits == 0 || (i < t.size() && t[i] != ' '))
        return {};
    QByteArray enhanced = t.left(i);
    *text = t.mid(i).trimmed();
    return enhanced;
}

} // namespace

void SmtpReplyParser::feed(const QByteArray &bytes)
{
    if (!m_error.isEmpty())
        return;
    // Memory stays bounded even when several reads arrive before next() is called: of the
    // unterminated last line only maxLineLength + 1 octets are kept, enough for next() to
    // report it as too long. Complete lines are kept whole (they are replies to take).
    const qsizetype cap = qsizetype(m_limits.maxLineLength) + 1;
    const qsizetype lastLf = bytes.lastIndexOf('\n');
    if (lastLf >= 0) {
        const qsizetype tail = bytes.size() - lastLf - 1;
        m_buffer.append(bytes.constData(), lastLf + 1 + qMin(tail, cap));
        m_tailLength = qMin(tail, cap);
    } else {
        const qsizetype take = qMax<qsizetype>(0, qMin(bytes.size(), cap - m_tailLength));
        m_buffer.append(bytes.constData(), take);
        m_tailLength += take;
    }
}

SmtpReplyParser::Status SmtpReplyParser::fail(const QString &why, const QByteArray &bytes)
{
    m_error = why;
    m_offending = bytes.left(200);
    m_buffer.clear();
    m_scanFrom = 0;
    m_tailLength = 0;
    m_partial = {}; // up to maxLines lines: not kept for the error state's lifetime
    m_lines = 0;
    return Status::Error;
}

SmtpReplyParser::Status SmtpReplyParser::next(SmtpReply *reply)
{
    if (!m_error.isEmpty())
        return Status::Error;
    for (;;) {
        const qsizetype lf = m_buffer.indexOf('\n', m_scanFrom);
        if (lf < 0) {
            m_scanFrom = m_buffer.size();
            if (m_buffer.size() > m_limits.maxLineLength)
                return fail(
                    QStringLiteral("reply line longer than %1 octets").arg(m_limits.maxLineLength),
                    m_buffer);
            return Status::NeedMore;
        }
        if (lf + 1 > m_limits.maxLineLength)
            return fail(
                QStringLiteral("reply line longer than %1 octets").arg(m_limits.maxLineLength),
                m_buffer.left(lf + 1));
        QByteArray line = m_buffer.left(lf);
        m_buffer.remove(0, lf + 1);
        m_scanFrom = 0;
        // RFC 5321 §2.3.8 requires CRLF; a bare LF is tolerated on input (robustness), a CR
        // anywhere else in the line is not.
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.contains('\r') || line.contains('\0'))
            return fail(QStringLiteral("control character in reply line"), line);
        if (line.size() < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) ||
            line[0] < '2' || line[0] > '5')
            return fail(QStringLiteral("malformed reply code"), line);
        const int code = line.left(3).toInt();
        bool last = true;
        QByteArray text;
        if (line.size() > 3) {
            if (line[3] == '-')
                last = false;
            else if (line[3] != ' ')
                return fail(QStringLiteral("malformed reply separator"), line);
            text = line.mid(4);
        }
        if (m_lines > 0 && code != m_partial.code)
            return fail(QStringLiteral("reply code changed inside a multi-line reply (%1, then %2)")
                            .arg(m_partial.code)
                            .arg(code),
                        line);
        if (++m_lines > m_limits.maxLines)
            return fail(QStringLiteral("reply has more than %1 lines").arg(m_limits.maxLines),
                        line);
        m_partial.code = code;
        m_partial.lines.append(text);
        if (!last)
            continue;
        // Enhanced code from the first line, and stripped from each line that carries it.
        SmtpReply out = m_partial;
        for (qsizetype i = 0; i < out.lines.size(); ++i) {
            QByteArray e = splitEnhanced(code, &out.lines[i]);
            if (i == 0)
                out.enhanced = e;
        }
        m_partial = {};
        m_lines = 0;
        *reply = out;
        return Status::Reply;
    }
}

void SmtpReplyParser::reset()
{
    m_buffer.clear();
    m_tailLength = 0;
    m_scanFrom = 0;
    m_partial = {};
    m_lines = 0;
    m_error.clear();
    m_offending.clear();
}

} // namespace outpost
