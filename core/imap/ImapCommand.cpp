#include "ImapCommand.h"

#include "ImapString.h"
#include "smtp/WireEncoding.h"

namespace outpost {

namespace {

/// Octets handed to the socket ahead of what the kernel took: the message is written in
/// pieces so a large one is never copied whole into the socket's buffer.
constexpr qint64 kHighWater = 256 * 1024;
/// The largest literal LITERAL- allows without waiting (RFC 7888 §4).
constexpr qsizetype kLiteralMinusMax = 4096;
/// Mailboxes kept from one LIST.
constexpr int kMaxMailboxes = 10000;

/// A mailbox argument. The constructors refuse names that cannot be quoted (LIST gives
/// modified UTF-7, which always can).
QByteArray astring(const QByteArray &bytes)
{
    return imapQuoted(bytes);
}

} // namespace

void ImapCommand::sendTagged(const QByteArray &text, const QByteArray &logText)
{
    m_tag = m_channel.nextTag();
    m_channel.sendCommand(m_tag + ' ' + text + "\r\n",
                          logText.isEmpty() ? QByteArray() : m_tag + ' ' + logText);
}

ImapCommand::Step ImapCommand::handleContinuation(const ImapResponse &response)
{
    return protocolError(QStringLiteral("unexpected continuation request"), &response);
}

// --- LIST ------------------------------------------------------------------------------------

ImapListCommand::ImapListCommand(qint64 id, Channel &channel)
    : ImapCommand(Kind::List, id, channel)
{}

ImapCommand::Step ImapListCommand::start()
{
    const ImapCapabilities &caps = m_channel.capabilities();
    m_result.usedSpecialUse = caps.specialUse() && caps.listExtended();
    sendTagged(m_result.usedSpecialUse ? QByteArray("LIST \"\" \"*\" RETURN (SPECIAL-USE)")
                                       : QByteArray("LIST \"\" \"*\""));
    m_writeDone = true;
    return {};
}

void ImapListCommand::handleUntagged(const ImapResponse &response)
{
    // mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    // [SP mbox-list-extended] (RFC 9051 §9)
    if (response.name != "LIST")
        return;
    const QList<ImapValue> &v = response.values;
    if (v.size() < 3 || !v[0].isList() || !(v[1].isString() || v[1].isNil()) || !v[2].isAString()) {
        m_malformed = true;
        return;
    }
    ImapMailbox m;
    for (const ImapValue &a : v[0].list) {
        if (a.isAtom())
            m.attributes << a.bytes;
    }
    m.delimiter = v[1].bytes;
    m.name = v[2].bytes;
    m.displayName = imapDecodeMailboxName(m.name);
    if (m.name.compare("INBOX", Qt::CaseInsensitive) == 0)
        m.name = "INBOX";
    if (m_result.mailboxes.size() < kMaxMailboxes)
        m_result.mailboxes << m;
    else if (m_result.sentFoundBy == SentFoundBy::NotFound && m.hasAttribute("\\Sent") &&
             m.isSelectable())
        m_result.mailboxes.last() = m; // a \Sent mailbox beyond the limit still counts
}

ImapCommand::Step ImapListCommand::handleTagged(const ImapResponse &response)
{
    if (m_malformed)
        return protocolError(QStringLiteral("malformed LIST response"), &response);
    const ImapResult r = ImapResult::fromTagged(response);
    if (r.ok())
        m_result.sentFoundBy = findSent(m_result.mailboxes, &m_result.sent);
    return finished(r);
}

ImapListResult ImapListCommand::result() const
{
    ImapListResult r = m_result;
    static_cast<ImapCommandOutcome &>(r) = m_outcome;
    return r;
}

SentFoundBy ImapListCommand::findSent(const QList<ImapMailbox> &mailboxes, ImapMailbox *sent)
{
    for (const ImapMailbox &m : mailboxes) {
        if (m.isSelectable() && m.hasAttribute("\\Sent")) {
            *sent = m;
            return SentFoundBy::SpecialUse;
        }
    }
    static const QStringList names = {QStringLiteral("Sent"), QStringLiteral("Sent Items"),
                                      QStringLiteral("Sent Messages")};
    for (const QString &wanted : names) {
        for (const ImapMailbox &m : mailboxes) {
            if (m.isSelectable() && m.displayName.compare(wanted, Qt::CaseInsensitive) == 0) {
                *sent = m;
                return SentFoundBy::Name;
            }
        }
    }
    for (const ImapMailbox &m : mailboxes) {
        if (!m.isSelectable() || m.delimiter.isEmpty())
            continue;
        const QString inboxSent =
            QStringLiteral("INBOX") + QString::fromLatin1(m.delimiter) + QStringLiteral("Sent");
        if (m.displayName.compare(inboxSent, Qt::CaseInsensitive) == 0) {
            *sent = m;
            return SentFoundBy::Name;
        }
    }
    return SentFoundBy::NotFound;
}

// --- APPEND ----------------------------------------------------------------------------------

ImapAppendCommand::ImapAppendCommand(const ImapAppendRequest &request, Channel &channel)
    : ImapCommand(Kind::Append, request.id, channel)
    , m_request(request)
{
    if (m_request.message.contains('\0')) {
        m_refusal = ImapResult::failure(ImapErrorClass::Local,
                                        QStringLiteral("the message contains a NUL octet"));
    } else if (m_request.message.isEmpty()) {
        m_refusal = ImapResult::failure(ImapErrorClass::Local, QStringLiteral("empty message"));
    } else if (m_request.mailbox.isEmpty() || !imapCanQuote(m_request.mailbox)) {
        m_refusal =
            ImapResult::failure(ImapErrorClass::Local, QStringLiteral("no usable mailbox name"));
    }
    for (const QByteArray &f : m_request.flags) {
        if (f.isEmpty() || !imapCanQuote(f) || f.contains(' ') || f.contains('(') ||
            f.contains(')'))
            m_refusal =
                ImapResult::failure(ImapErrorClass::Local, QStringLiteral("malformed flag"));
    }
    // A bare CR or LF never reaches the wire (RFC 9051 §4.3 allows CRLF pairs only in text).
    m_wire = normalizeForBdat(m_request.message);
}

ImapCommand::Step ImapAppendCommand::start()
{
    const ImapCapabilities &caps = m_channel.capabilities();
    const bool nonSync =
        m_channel.config().allowLiteralPlus &&
        (caps.literalPlus() || (caps.literalMinus() && m_wire.size() <= kLiteralMinusMax));
    m_result.nonSynchronizing = nonSync;
    QByteArray text = "APPEND " + astring(m_request.mailbox);
    if (!m_request.flags.isEmpty())
        text += " (" + m_request.flags.join(' ') + ')';
    if (m_request.internalDate.isValid())
        text += ' ' + imapDateTime(m_request.internalDate);
    text += " {" + QByteArray::number(m_wire.size()) + (nonSync ? "+}" : "}");
    sendTagged(text);
    if (!nonSync) {
        m_awaitsContinuation = true; // RFC 9051 §4.3: wait for "+" before the octets
        return {};
    }
    return writeLiteral();
}

ImapCommand::Step ImapAppendCommand::writeLiteral()
{
    if (!m_literalStarted) {
        m_literalStarted = true;
        m_channel.log(QStringLiteral("C: <message, %1 octets>").arg(m_wire.size()));
    }
    return writeMore();
}

ImapCommand::Step ImapAppendCommand::writeMore()
{
    if (!m_literalStarted || m_writeDone)
        return {};
    while (m_offset < m_wire.size() && m_channel.unwritten() < kHighWater) {
        const qsizetype n = std::min<qsizetype>(m_wire.size() - m_offset, 64 * 1024);
        m_channel.writeOctets(m_wire.constData() + m_offset, n);
        m_offset += n;
    }
    if (m_offset < m_wire.size())
        return {};
    m_channel.writeOctets("\r\n", 2); // the end of the APPEND command line
    m_writeDone = true;
    m_result.literalSent = true;
    return {};
}

ImapCommand::Step ImapAppendCommand::handleContinuation(const ImapResponse &response)
{
    if (!m_awaitsContinuation)
        return ImapCommand::handleContinuation(response);
    m_awaitsContinuation = false;
    return writeLiteral();
}

ImapCommand::Step ImapAppendCommand::handleTagged(const ImapResponse &response)
{
    if (response.status == ImapStatus::Ok && !m_result.literalSent)
        return protocolError(QStringLiteral("APPEND completed before the message was sent"),
                             &response);
    m_awaitsContinuation = false;
    const ImapResult r = ImapResult::fromTagged(response);
    if (r.ok() && response.code == "APPENDUID") {
        // resp-code-apnd = "APPENDUID" SP nz-number SP append-uid (RFC 4315 §4)
        const QList<QByteArray> args = response.codeArguments();
        bool okValidity = false;
        bool okUid = false;
        ImapValue validity, uid;
        validity.bytes = args.value(0);
        uid.bytes = args.value(1);
        const quint32 v = validity.toNumber(&okValidity);
        const quint32 u = uid.toNumber(&okUid);
        if (args.size() == 2 && okValidity && okUid) {
            m_result.uidValidity = v;
            m_result.uid = u;
        }
    }
    if (!r.ok() && !m_writeDone) {
        // Refused before the literal (a synchronizing one) was sent: nothing more goes out.
        m_writeDone = true;
    }
    return finished(r);
}

ImapAppendResult ImapAppendCommand::result() const
{
    ImapAppendResult r = m_result;
    static_cast<ImapCommandOutcome &>(r) = m_outcome;
    return r;
}

// --- UID SEARCH ------------------------------------------------------------------------------

ImapSearchCommand::ImapSearchCommand(const ImapSearchRequest &request, Channel &channel)
    : ImapCommand(Kind::Search, request.id, channel)
    , m_request(request)
{
    QByteArray id = m_request.messageId.trimmed();
    if (!id.isEmpty() && !id.startsWith('<'))
        id = '<' + id + '>';
    m_request.messageId = id;
    if (id.size() < 3 || !imapCanQuote(id))
        m_refusal =
            ImapResult::failure(ImapErrorClass::Local,
                                QStringLiteral("the Message-ID is empty or not printable ASCII"));
    else if (m_request.mailbox.isEmpty() || !imapCanQuote(m_request.mailbox))
        m_refusal =
            ImapResult::failure(ImapErrorClass::Local, QStringLiteral("no usable mailbox name"));
}

ImapCommand::Step ImapSearchCommand::start()
{
    m_writeDone = true;
    if (m_channel.selectedMailbox() == m_request.mailbox) {
        m_uidValidity = m_channel.selectedUidValidity();
        return search();
    }
    m_examining = true;
    sendTagged("EXAMINE " + astring(m_request.mailbox));
    return {};
}

ImapCommand::Step ImapSearchCommand::search()
{
    m_examining = false;
    sendTagged("UID SEARCH HEADER Message-ID " + imapQuoted(m_request.messageId));
    return {};
}

void ImapSearchCommand::handleUntagged(const ImapResponse &response)
{
    if (m_examining && response.status == ImapStatus::Ok && response.code == "UIDVALIDITY") {
        ImapValue v;
        v.bytes = response.codeData.trimmed();
        bool ok = false;
        const quint32 n = v.toNumber(&ok);
        if (ok)
            m_uidValidity = n;
        return;
    }
    if (!m_examining && response.name == "SEARCH") {
        for (const ImapValue &v : response.values) {
            bool ok = false;
            const quint32 uid = v.toNumber(&ok);
            if (ok && uid > 0)
                m_result.uids << uid;
        }
    }
}

ImapCommand::Step ImapSearchCommand::handleTagged(const ImapResponse &response)
{
    const ImapResult r = ImapResult::fromTagged(response);
    if (m_examining) {
        if (!r.ok()) {
            m_channel.setSelectedMailbox({}, 0); // a failed EXAMINE leaves nothing selected
            return finished(r);
        }
        m_channel.setSelectedMailbox(m_request.mailbox, m_uidValidity);
        return search();
    }
    return finished(r);
}

ImapSearchResult ImapSearchCommand::result() const
{
    ImapSearchResult r = m_result;
    static_cast<ImapCommandOutcome &>(r) = m_outcome;
    r.uidValidity = m_uidValidity;
    return r;
}

// --- NOOP ------------------------------------------------------------------------------------

ImapCommand::Step ImapNoopCommand::start()
{
    sendTagged("NOOP");
    m_writeDone = true;
    return {};
}

ImapCommand::Step ImapNoopCommand::handleTagged(const ImapResponse &response)
{
    return finished(ImapResult::fromTagged(response));
}

} // namespace outpost
