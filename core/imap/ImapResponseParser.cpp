#include "ImapResponseParser.h"

#include <algorithm>

namespace outpost {

namespace {

bool isCtl(char c)
{
    return (static_cast<unsigned char>(c) < 0x20) || c == 0x7f;
}

/// A tag (RFC 9051 §9): 1*<ASTRING-CHAR except "+">.
bool isTagChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
        return false;
    return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\' &&
           c != '+';
}

/// Characters that end an atom in response data. Flags ("\Sent", "\*") and the brackets of
/// "BODY[...]" are taken into atoms on purpose: the grammar's several atom-like forms are
/// told apart by their users, not here.
bool endsAtom(char c)
{
    return c == ' ' || c == '(' || c == ')' || c == '"' || isCtl(c);
}

/// "{digits}" or "{digits+}" at the end of `line`: the announced size, or -1. *tooBig is set
/// when the number has more than 18 digits.
qint64 literalAnnouncement(const QByteArray &line, bool *tooBig)
{
    *tooBig = false;
    if (!line.endsWith('}'))
        return -1;
    const qsizetype open = line.lastIndexOf('{');
    if (open < 0)
        return -1;
    qsizetype end = line.size() - 1;
    if (end > open + 1 && line[end - 1] == '+')
        --end;
    if (end == open + 1)
        return -1;
    qint64 n = 0;
    for (qsizetype i = open + 1; i < end; ++i) {
        const char c = line[i];
        if (c < '0' || c > '9')
            return -1;
        if (i - open > 18) {
            *tooBig = true;
            return -1;
        }
        n = n * 10 + (c - '0');
    }
    return n;
}

/// Reads one complete response: its line pieces and the literal after each but the last.
class Reader
{
public:
    Reader(const QList<QByteArray> &pieces, const QList<QByteArray> &literals, int maxDepth)
        : m_pieces(pieces)
        , m_literals(literals)
        , m_maxDepth(maxDepth)
    {}

    bool parse(ImapResponse *r)
    {
        const QByteArray &first = m_pieces.first();
        if (first.startsWith('+')) {
            r->kind = ImapResponse::Kind::Continuation;
            r->text = first.mid(first.startsWith("+ ") ? 2 : 1);
            return true;
        }
        const QByteArray tag = word();
        if (tag.isEmpty())
            return error(QStringLiteral("response without a tag"));
        if (tag == "*") {
            r->kind = ImapResponse::Kind::Untagged;
        } else {
            if (tag.size() > 64)
                return error(QStringLiteral("tag longer than 64 octets"));
            for (const char c : tag) {
                if (!isTagChar(c))
                    return error(QStringLiteral("malformed tag"));
            }
            r->kind = ImapResponse::Kind::Tagged;
            r->tag = tag;
        }
        if (!space())
            return error(QStringLiteral("nothing after the tag"));
        QByteArray w = word();
        if (r->kind == ImapResponse::Kind::Untagged && !w.isEmpty() &&
            std::all_of(w.cbegin(), w.cend(), [](char c) { return c >= '0' && c <= '9'; })) {
            if (w.size() > 10 || w.toLongLong() > 0xffffffffLL)
                return error(QStringLiteral("message number out of range"));
            r->number = w.toLongLong();
            if (!space())
                return error(QStringLiteral("nothing after the message number"));
            w = word();
        }
        const QByteArray upper = w.toUpper();
        const ImapStatus status = statusOf(upper);
        if (status != ImapStatus::None && r->number < 0) {
            if (r->kind == ImapResponse::Kind::Tagged && status != ImapStatus::Ok &&
                status != ImapStatus::No && status != ImapStatus::Bad)
                return error(QStringLiteral("tagged %1 response").arg(QString::fromLatin1(upper)));
            r->status = status;
            return respText(r);
        }
        if (r->kind == ImapResponse::Kind::Tagged)
            return error(QStringLiteral("tagged response without OK, NO or BAD"));
        if (w.isEmpty())
            return error(QStringLiteral("untagged response without a name"));
        for (const char c : w) {
            if (c == '[' || c == ']' || c == '\\' || c == '{')
                return error(QStringLiteral("malformed response name"));
        }
        r->name = upper;
        while (!atEnd()) {
            if (!space())
                return error(QStringLiteral("no space between data items"));
            if (atEnd())
                break; // a trailing space, as some servers send after "* SEARCH"
            ImapValue v;
            if (!value(&v, 0))
                return false;
            r->values << v;
        }
        return true;
    }

    QString errorString() const { return m_error; }
    QByteArray errorContext() const { return m_pieces.value(m_piece).mid(m_pos, 200); }

private:
    static ImapStatus statusOf(const QByteArray &w)
    {
        if (w == "OK")
            return ImapStatus::Ok;
        if (w == "NO")
            return ImapStatus::No;
        if (w == "BAD")
            return ImapStatus::Bad;
        if (w == "BYE")
            return ImapStatus::Bye;
        if (w == "PREAUTH")
            return ImapStatus::Preauth;
        return ImapStatus::None;
    }

    bool error(const QString &why)
    {
        if (m_error.isEmpty())
            m_error = why;
        return false;
    }
    const QByteArray &piece() const { return m_pieces.at(m_piece); }
    bool atEnd() const { return m_piece == m_pieces.size() - 1 && m_pos >= piece().size(); }
    char peek() const { return m_pos < piece().size() ? piece().at(m_pos) : '\0'; }
    bool space()
    {
        if (peek() != ' ')
            return false;
        while (peek() == ' ')
            ++m_pos;
        return true;
    }
    QByteArray word()
    {
        const qsizetype from = m_pos;
        while (m_pos < piece().size() && piece().at(m_pos) != ' ')
            ++m_pos;
        return piece().mid(from, m_pos - from);
    }

    // resp-text = ["[" resp-text-code "]" SP] [text] (RFC 9051 §9)
    bool respText(ImapResponse *r)
    {
        if (m_pieces.size() > 1)
            return error(QStringLiteral("literal inside status text"));
        if (atEnd())
            return true;
        if (!space())
            return error(QStringLiteral("no space after the status"));
        const QByteArray &p = piece();
        if (peek() == '[') {
            const qsizetype close = p.indexOf(']', m_pos);
            if (close < 0)
                return error(QStringLiteral("unterminated response code"));
            const QByteArray inner = p.mid(m_pos + 1, close - m_pos - 1);
            const qsizetype sp = inner.indexOf(' ');
            r->code = (sp < 0 ? inner : inner.left(sp)).toUpper();
            r->codeData = sp < 0 ? QByteArray() : inner.mid(sp + 1);
            if (r->code.isEmpty())
                return error(QStringLiteral("empty response code"));
            for (const char c : r->code) {
                if (isCtl(c) || c == '(' || c == ')' || c == '{' || c == '"' || c == '\\' ||
                    c == '[')
                    return error(QStringLiteral("malformed response code"));
            }
            m_pos = close + 1;
            if (peek() == ' ')
                ++m_pos;
        }
        r->text = p.mid(m_pos);
        m_pos = p.size();
        return true;
    }

    bool value(ImapValue *v, int depth)
    {
        const char c = peek();
        if (c == '(') {
            if (depth + 1 > m_maxDepth)
                return error(QStringLiteral("lists nested deeper than %1").arg(m_maxDepth));
            ++m_pos;
            v->type = ImapValue::Type::List;
            bool first = true;
            for (;;) {
                if (peek() == ')') {
                    ++m_pos;
                    return true;
                }
                if (m_pos >= piece().size())
                    return error(QStringLiteral("unterminated list"));
                if (!first && !space())
                    return error(QStringLiteral("no space between list members"));
                if (peek() == ')') {
                    ++m_pos;
                    return true;
                }
                ImapValue member;
                if (!value(&member, depth + 1))
                    return false;
                v->list << member;
                first = false;
            }
        }
        if (c == '"')
            return quoted(v);
        if (c == '{')
            return literal(v);
        const qsizetype from = m_pos;
        while (m_pos < piece().size() && !endsAtom(piece().at(m_pos)))
            ++m_pos;
        if (m_pos == from)
            return error(QStringLiteral("unexpected character in response data"));
        v->bytes = piece().mid(from, m_pos - from);
        if (v->bytes.compare("NIL", Qt::CaseInsensitive) == 0) {
            v->type = ImapValue::Type::Nil;
            v->bytes.clear();
        } else {
            v->type = ImapValue::Type::Atom;
        }
        return true;
    }

    bool quoted(ImapValue *v)
    {
        ++m_pos;
        QByteArray out;
        const QByteArray &p = piece();
        while (m_pos < p.size()) {
            const char c = p.at(m_pos++);
            if (c == '"') {
                v->type = ImapValue::Type::String;
                v->bytes = out;
                return true;
            }
            if (c == '\\') {
                if (m_pos >= p.size())
                    break;
                const char e = p.at(m_pos++);
                if (e != '"' && e != '\\')
                    return error(QStringLiteral("bad escape in a quoted string"));
                out += e;
                continue;
            }
            out += c;
        }
        return error(QStringLiteral("unterminated quoted string"));
    }

    bool literal(ImapValue *v)
    {
        // The framing found the announcement at the end of this piece and read its octets.
        bool tooBig = false;
        if (m_piece + 1 >= m_pieces.size() || literalAnnouncement(piece(), &tooBig) < 0 ||
            piece().lastIndexOf('{') != m_pos)
            return error(QStringLiteral("literal announcement not at the end of a line"));
        v->type = ImapValue::Type::String;
        v->bytes = m_literals.at(m_piece);
        ++m_piece;
        m_pos = 0;
        return true;
    }

    const QList<QByteArray> &m_pieces;
    const QList<QByteArray> &m_literals;
    const int m_maxDepth;
    int m_piece = 0;
    qsizetype m_pos = 0;
    QString m_error;
};

} // namespace

void ImapResponseParser::feed(const QByteArray &bytes)
{
    qsizetype pos = 0;
    while (pos < bytes.size() && m_error.isEmpty()) {
        if (m_literalLeft > 0) {
            const qint64 take = std::min<qint64>(m_literalLeft, bytes.size() - pos);
            m_literal.append(bytes.constData() + pos, qsizetype(take));
            pos += qsizetype(take);
            m_literalLeft -= take;
            if (m_literalLeft == 0) {
                m_literals << m_literal;
                m_literal.clear();
            }
            continue;
        }
        const qsizetype lf = bytes.indexOf('\n', pos);
        const qsizetype end = lf < 0 ? bytes.size() : lf + 1;
        if (m_line.size() + (end - pos) > m_limits.maxLineLength) {
            fail(QStringLiteral("response line longer than %1 octets").arg(m_limits.maxLineLength),
                 m_line + bytes.mid(pos, 200));
            return;
        }
        m_line.append(bytes.constData() + pos, end - pos);
        pos = end;
        if (lf >= 0)
            endOfLine();
    }
}

void ImapResponseParser::endOfLine()
{
    QByteArray line = m_line;
    m_line.clear();
    line.chop(1); // LF; RFC 9051 §2.2 requires CRLF, a bare LF is tolerated (robustness)
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.contains('\r') || line.contains('\0')) {
        fail(QStringLiteral("control character in a response line"), line);
        return;
    }
    m_responseSize += line.size() + 2;
    if (m_responseSize > m_limits.maxResponseSize) {
        fail(QStringLiteral("response larger than %1 octets").arg(m_limits.maxResponseSize), line);
        return;
    }
    m_pieces << line;
    // A continuation request's text is free-form (base64 or words): it announces nothing.
    const bool continuation = m_pieces.size() == 1 && line.startsWith('+');
    bool tooBig = false;
    const qint64 announced = continuation ? -1 : literalAnnouncement(line, &tooBig);
    if (tooBig || announced > m_limits.maxLiteralSize) {
        fail(QStringLiteral("literal of %1 octets announced; at most %2 are accepted")
                 .arg(tooBig ? QStringLiteral("too many") : QString::number(announced))
                 .arg(m_limits.maxLiteralSize),
             line);
        return;
    }
    if (announced < 0) {
        finishResponse();
        return;
    }
    m_responseSize += announced;
    if (m_responseSize > m_limits.maxResponseSize) {
        fail(QStringLiteral("response larger than %1 octets").arg(m_limits.maxResponseSize), line);
        return;
    }
    m_literalLeft = announced;
    if (announced == 0)
        m_literals << QByteArray();
}

void ImapResponseParser::finishResponse()
{
    ImapResponse r;
    Reader reader(m_pieces, m_literals, m_limits.maxDepth);
    const bool ok = reader.parse(&r);
    const QByteArray context = m_pieces.first();
    m_pieces.clear();
    m_literals.clear();
    m_responseSize = 0;
    if (!ok) {
        fail(reader.errorString(), context);
        return;
    }
    m_ready.push_back(std::move(r));
}

void ImapResponseParser::fail(const QString &why, const QByteArray &bytes)
{
    m_error = why;
    m_offending = bytes.left(200);
    m_line.clear();
    m_pieces.clear();
    m_literals.clear();
    m_literal.clear();
    m_literalLeft = 0;
    m_responseSize = 0;
}

ImapResponseParser::Status ImapResponseParser::next(ImapResponse *response)
{
    if (!m_ready.empty()) {
        *response = std::move(m_ready.front());
        m_ready.pop_front();
        return Status::Response;
    }
    return m_error.isEmpty() ? Status::NeedMore : Status::Error;
}

bool ImapResponseParser::hasBufferedData() const
{
    return !m_ready.empty() || !m_line.isEmpty() || !m_pieces.isEmpty() || m_literalLeft > 0;
}

qint64 ImapResponseParser::bufferedSize() const
{
    qint64 n = m_line.size() + m_literal.size();
    for (const QByteArray &p : m_pieces)
        n += p.size();
    for (const QByteArray &l : m_literals)
        n += l.size();
    return n;
}

void ImapResponseParser::reset()
{
    m_line.clear();
    m_pieces.clear();
    m_literals.clear();
    m_literal.clear();
    m_literalLeft = 0;
    m_responseSize = 0;
    m_ready.clear();
    m_error.clear();
    m_offending.clear();
}

} // namespace outpost
