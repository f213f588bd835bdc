#include "WireModel.h"

namespace outpost::testsupport {

QByteArray WireModel::unstuff(const QByteArray &wire)
{
    QByteArray body = wire;
    if (body == ".\r\n")
        return {};
    if (body.endsWith("\r\n.\r\n"))
        body.chop(3);
    QByteArray out;
    out.reserve(body.size());
    qsizetype pos = 0;
    while (pos < body.size()) {
        qsizetype end = body.indexOf("\r\n", pos);
        end = end < 0 ? body.size() : end + 2;
        qsizetype start = pos;
        if (body[pos] == '.')
            ++start;
        out.append(body.constData() + start, end - start);
        pos = end;
    }
    return out;
}

int WireModel::deliveries() const
{
    int n = 0;
    for (const WirePayload &p : m_payloads) {
        if (p.complete && p.replyCode >= 200 && p.replyCode < 300)
            ++n;
    }
    return n;
}

int WireModel::authCommands() const
{
    int n = 0;
    for (const WireCommand &c : m_commands) {
        if (c.kind == WireCommand::Kind::Command && c.verb == "AUTH")
            ++n;
    }
    return n;
}

void WireModel::clientBytes(const QByteArray &bytes)
{
    m_client += bytes;
    process();
}

void WireModel::process()
{
    while (!m_client.isEmpty()) {
        if (m_mode == Mode::Data) {
            WirePayload &p = m_payloads[m_openPayload];
            // The end marker may straddle captured and new bytes; a virtual CRLF before the
            // payload lets an empty message (".\r\n" right after the 354) match too.
            const QByteArray prefix =
                p.wire.size() < 4 ? QByteArray("\r\n") + p.wire : p.wire.right(4);
            const qsizetype marker = (prefix + m_client).indexOf("\r\n.\r\n");
            if (marker < 0) {
                p.wire += m_client;
                m_client.clear();
                return;
            }
            const qsizetype consumed = marker + 5 - prefix.size();
            p.wire += m_client.first(consumed);
            m_client.remove(0, consumed);
            p.complete = true;
            p.message = unstuff(p.wire);
            WireCommand end;
            end.kind = WireCommand::Kind::EndOfData;
            end.payload = m_openPayload;
            m_commands.append(end);
            m_pending.append(int(m_commands.size() - 1));
            m_openPayload = -1;
            m_mode = Mode::Command;
            continue;
        }
        if (m_mode == Mode::BdatChunk) {
            WirePayload &p = m_payloads[m_openPayload];
            const qsizetype n = std::min<qsizetype>(m_bdatRemaining, m_client.size());
            p.wire += m_client.first(n);
            m_client.remove(0, n);
            m_bdatRemaining -= n;
            if (m_bdatRemaining > 0)
                return;
            m_mode = Mode::Command;
            if (m_bdatLast) {
                p.complete = true;
                p.message = p.wire;
                m_commands.last().payload = m_openPayload; // the BDAT LAST command
                m_openPayload = -1;
            }
            continue;
        }
        if (m_blocked)
            return;
        const qsizetype lf = m_client.indexOf('\n');
        if (lf < 0)
            return;
        WireCommand c;
        c.line = m_client.first(lf + 1);
        m_client.remove(0, lf + 1);
        if (m_authContinuation) {
            c.kind = WireCommand::Kind::AuthContinuation;
            m_authContinuation = false;
            m_blocked = true;
            m_commands.append(c);
            m_pending.append(int(m_commands.size() - 1));
            continue;
        }
        QByteArray trimmed = c.line.trimmed();
        const qsizetype sp = trimmed.indexOf(' ');
        c.verb = (sp < 0 ? trimmed : trimmed.first(sp)).toUpper();
        if (c.verb == "MAIL")
            c.sizeServer = m_sizeOffered;
        m_commands.append(c);
        const int idx = int(m_commands.size() - 1);
        m_pending.append(idx);
        if (c.verb == "MAIL") {
            m_mail = idx;
            m_rcpts.clear();
        } else if (c.verb == "RCPT") {
            m_rcpts.append(idx);
        } else if (c.verb == "DATA" || c.verb == "AUTH" || c.verb == "STARTTLS") {
            m_blocked = true;
        } else if (c.verb == "BDAT") {
            const QList<QByteArray> parts = trimmed.simplified().split(' ');
            m_bdatRemaining = parts.value(1).toLongLong();
            m_bdatLast = parts.size() > 2 && parts[2].toUpper() == "LAST";
            m_commands[idx].kind = WireCommand::Kind::Bdat;
            if (m_openPayload < 0) {
                WirePayload p;
                p.bdat = true;
                if (m_mail >= 0)
                    p.mailLine = m_commands[m_mail].line;
                for (int r : m_rcpts) {
                    p.rcptLines.append(m_commands[r].line);
                    p.rcptCodes.append(m_commands[r].replyCode);
                }
                m_payloads.append(p);
                m_openPayload = int(m_payloads.size() - 1);
            }
            m_mode = Mode::BdatChunk;
        }
    }
}

void WireModel::serverBytes(const QByteArray &bytes)
{
    m_server += bytes;
    for (;;) {
        const qsizetype lf = m_server.indexOf('\n');
        if (lf < 0)
            break;
        QByteArray line = m_server.first(lf + 1);
        m_server.remove(0, lf + 1);
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        m_replyLines.append(line);
        if (line.size() >= 4 && line[3] == '-')
            continue; // continuation line
        bool ok = false;
        const int code = line.left(3).toInt(&ok);
        const QList<QByteArray> lines = m_replyLines;
        m_replyLines.clear();
        if (ok)
            reply(code, lines);
    }
}

void WireModel::reply(int code, const QList<QByteArray> &lines)
{
    if (!m_greeted) {
        m_greeted = true;
        m_greeting = code;
        return;
    }
    if (m_pending.isEmpty()) {
        ++m_unsolicited;
        return;
    }
    const int idx = m_pending.takeFirst();
    WireCommand &c = m_commands[idx];
    c.replyCode = code;
    c.replyLines = lines;
    const bool positive = code >= 200 && code < 400;
    if (c.kind == WireCommand::Kind::EndOfData) {
        m_payloads[c.payload].replyCode = code;
    } else if (c.kind == WireCommand::Kind::Bdat) {
        if (c.payload >= 0)
            m_payloads[c.payload].replyCode = code;
        else if (!positive && m_openPayload >= 0)
            m_payloads[m_openPayload].replyCode = code;
    } else if (c.kind == WireCommand::Kind::AuthContinuation) {
        m_blocked = false;
        m_authContinuation = code == 334;
    } else if (c.verb == "EHLO") {
        if (positive) {
            m_sizeOffered = false;
            for (int i = 1; i < lines.size(); ++i) {
                const QByteArray kw = lines[i].mid(4).trimmed().toUpper();
                if (kw == "SIZE" || kw.startsWith("SIZE "))
                    m_sizeOffered = true;
            }
        }
    } else if (c.verb == "HELO") {
        if (positive)
            m_sizeOffered = false;
    } else if (c.verb == "DATA") {
        m_blocked = false;
        if (code == 354) {
            WirePayload p;
            if (m_mail >= 0)
                p.mailLine = m_commands[m_mail].line;
            for (int r : m_rcpts) {
                p.rcptLines.append(m_commands[r].line);
                p.rcptCodes.append(m_commands[r].replyCode);
            }
            m_payloads.append(p);
            m_openPayload = int(m_payloads.size() - 1);
            m_mode = Mode::Data;
        }
    } else if (c.verb == "AUTH") {
        m_blocked = false;
        m_authContinuation = code == 334;
    } else if (c.verb == "STARTTLS") {
        m_blocked = false;
        if (code == 220)
            m_sizeOffered = false;
    }
    process();
}

} // namespace outpost::testsupport
