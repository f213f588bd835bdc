#include "MessageImport.h"

#include "GMimeSupport.h"

#include <QSet>

#include "GMimeInclude.h"

namespace outpost::mime {

using detail::GRef;

QByteArray normalizeCrlf(const QByteArray &bytes)
{
    QByteArray out;
    out.reserve(bytes.size() + bytes.size() / 32 + 2);
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = bytes.at(i);
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < n && bytes.at(i + 1) == '\n')
                ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

struct Field
{
    QByteArray name;  ///< as written
    QByteArray lower; ///< lower-case name
    QByteArray raw;   ///< all its lines, CRLF included
    QByteArray value; ///< unfolded value (CRLF removed), leading whitespace trimmed
};

struct HeaderBlock
{
    QList<Field> fields;
    QByteArray body; ///< from the empty line (CRLF CRLF's second CRLF) on, or empty
    QString error;
};

HeaderBlock splitHeader(const QByteArray &msg)
{
    HeaderBlock h;
    qsizetype pos = 0;
    const qsizetype n = msg.size();
    while (pos < n) {
        qsizetype eol = msg.indexOf("\r\n", pos);
        const qsizetype end = eol < 0 ? n : eol + 2;
        const QByteArray line = msg.mid(pos, (eol < 0 ? n : eol) - pos);
        if (line.isEmpty()) {
            h.body = msg.mid(pos); // starts with the empty line's CRLF
            return h;
        }
        if (line.contains('\0')) {
            h.error = QStringLiteral("not a message: NUL byte in the header");
            return h;
        }
        const char c0 = line.at(0);
        if (c0 == ' ' || c0 == '\t') {
            if (h.fields.isEmpty()) {
                h.error =
                    QStringLiteral("not a message: the header starts with a continuation line");
                return h;
            }
            h.fields.last().raw += msg.mid(pos, end - pos);
            h.fields.last().value += line;
        } else {
            const qsizetype colon = line.indexOf(':');
            bool ok = colon > 0;
            for (qsizetype i = 0; ok && i < colon; ++i) {
                const uchar ch = uchar(line.at(i));
                ok = ch >= 33 && ch <= 126;
            }
            if (!ok) {
                h.error = QStringLiteral("not a message: header line %1 is not a field")
                              .arg(h.fields.size() + 1);
                return h;
            }
            Field f;
            f.name = line.left(colon);
            f.lower = f.name.toLower();
            f.raw = msg.mid(pos, end - pos);
            f.value = line.mid(colon + 1);
            h.fields << f;
        }
        pos = end;
    }
    return h;
}

/// `value` with every comment it may leave open closed at its end (RFC 5322 §3.2.2: a comment
/// ends with ")"). GMime 3.2 leaks memory on a comment left open after a domain literal
/// ("a@[192.0.2.1](", found by fuzz_eml_import). Parentheses are counted everywhere (only a
/// backslash escapes one), not only outside quotes: a closing parenthesis too many is
/// harmless trailing text, one too few is the leak.
QByteArray closeOpenComments(const QByteArray &value)
{
    int depth = 0;
    bool escaped = false;
    for (const char c : value) {
        if (escaped)
            escaped = false;
        else if (c == '\\')
            escaped = true;
        else if (c == '(')
            ++depth;
        else if (c == ')' && depth > 0)
            --depth;
    }
    if (depth == 0)
        return value;
    return value + (escaped ? " " : "") + QByteArray(depth, ')');
}

/// Mailboxes of an address-list field value, parsed by GMime (groups flattened).
QStringList addressesOf(const QByteArray &value)
{
    QStringList out;
    GRef<InternetAddressList> list(
        internet_address_list_parse(nullptr, closeOpenComments(value).constData()));
    if (!list)
        return out;
    std::function<void(InternetAddressList *)> walk = [&](InternetAddressList *l) {
        const int count = internet_address_list_length(l);
        for (int i = 0; i < count; ++i) {
            InternetAddress *ia = internet_address_list_get_address(l, i);
            if (INTERNET_ADDRESS_IS_GROUP(ia)) {
                walk(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
            } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
                const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
                out << QString::fromUtf8(addr ? addr : "");
            }
        }
    };
    walk(list.get());
    return out;
}

bool localPartNonAscii(const QByteArray &addr)
{
    const qsizetype at = addr.lastIndexOf('@');
    const QByteArray local = at < 0 ? addr : addr.left(at);
    for (char c : local)
        if (uchar(c) >= 0x80)
            return true;
    return false;
}

} // namespace

ComposedMessage importMessage(const QByteArray &raw, const ImportOptions &options)
{
    detail::ensureGMime();
    auto fail = [](const QString &error, bool notAMessage = false) {
        ComposedMessage r;
        r.error = error;
        r.notAMessage = notAMessage;
        return r;
    };
    if (raw.trimmed().isEmpty())
        return fail(QStringLiteral("not a message: empty"), true);
    QByteArray msg = normalizeCrlf(raw);
    if (msg.startsWith("From ")) { // mbox separator line
        const qsizetype eol = msg.indexOf("\r\n");
        msg = eol < 0 ? QByteArray() : msg.mid(eol + 2);
    }
    if (msg.startsWith("\r\n"))
        return fail(QStringLiteral("not a message: no header block"), true);
    const HeaderBlock h = splitHeader(msg);
    if (!h.error.isEmpty())
        return fail(h.error, true);
    if (h.fields.isEmpty())
        return fail(QStringLiteral("not a message: no header block"), true);

    auto first = [&](const QByteArray &lower, qsizetype from = 0,
                     qsizetype to = -1) -> const Field * {
        const qsizetype end = to < 0 ? h.fields.size() : to;
        for (qsizetype i = from; i < end; ++i)
            if (h.fields.at(i).lower == lower)
                return &h.fields.at(i);
        return nullptr;
    };

    // Resent block: the first run of Resent-* fields (the most recent, RFC 5322 §3.6.6)
    qsizetype resentFrom = -1, resentTo = -1;
    for (qsizetype i = 0; i < h.fields.size(); ++i) {
        const QByteArray &l = h.fields.at(i).lower;
        if (l == "resent-from" || l == "resent-sender" || l == "resent-to" || l == "resent-cc" ||
            l == "resent-bcc") {
            resentFrom = i;
            break;
        }
    }
    if (resentFrom >= 0) {
        resentTo = resentFrom;
        while (resentTo < h.fields.size() && h.fields.at(resentTo).lower.startsWith("resent-"))
            ++resentTo;
    }
    const bool resent = resentFrom >= 0;
    const QByteArray prefix = resent ? QByteArray("resent-") : QByteArray();
    const qsizetype lo = resent ? resentFrom : 0;
    const qsizetype hi = resent ? resentTo : -1;

    // --- envelope
    Envelope env;
    QString senderAddress; // for the Message-ID domain
    auto bad = [](const QString &field, const QString &addr, const QString &problem) {
        return QStringLiteral("%1: \"%2\": %3").arg(field, escapeControls(addr), problem);
    };
    {
        const Field *f = first(prefix + "from", lo, hi);
        QStringList list = f ? addressesOf(f->value) : QStringList();
        if (list.isEmpty()) {
            if (const Field *s = first(prefix + "sender", lo, hi))
                list = addressesOf(s->value);
        }
        if (!list.isEmpty()) {
            senderAddress = list.first();
            if (!options.mailFrom.has_value()) {
                const QString p = addressProblem(senderAddress);
                if (!p.isEmpty())
                    return fail(bad(QString::fromLatin1(f ? f->name : QByteArray("Sender")),
                                    senderAddress, p));
            }
        }
    }
    if (options.mailFrom.has_value()) {
        const QString a = QString::fromUtf8(*options.mailFrom);
        if (!a.isEmpty()) {
            const QString p = addressProblem(a);
            if (!p.isEmpty())
                return fail(bad(QStringLiteral("MAIL FROM"), a, p));
            env.reversePath = envelopeAddress(a, false);
            if (senderAddress.isEmpty())
                senderAddress = a;
        }
    } else {
        if (senderAddress.isEmpty())
            return fail(QStringLiteral("no sender: the message has no From"));
        env.reversePath = envelopeAddress(senderAddress, false);
    }

    QSet<QByteArray> seen;
    auto addRecipient = [&](const QByteArray &a) {
        const qsizetype at = a.lastIndexOf('@');
        const QByteArray key = a.left(at + 1) + a.mid(at + 1).toLower();
        if (seen.contains(key))
            return;
        seen.insert(key);
        env.recipients << a;
    };
    if (!options.recipients.isEmpty()) {
        for (const QByteArray &r : options.recipients) {
            const QString a = QString::fromUtf8(r);
            const QString p = addressProblem(a);
            if (!p.isEmpty())
                return fail(bad(QStringLiteral("RCPT TO"), a, p));
            addRecipient(envelopeAddress(a, false));
        }
    } else {
        for (qsizetype i = resent ? lo : 0; i < (resent ? hi : h.fields.size()); ++i) {
            const Field &f = h.fields.at(i);
            if (f.lower != prefix + "to" && f.lower != prefix + "cc" && f.lower != prefix + "bcc")
                continue;
            for (const QString &a : addressesOf(f.value)) {
                const QString p = addressProblem(a);
                if (!p.isEmpty())
                    return fail(bad(QString::fromLatin1(f.name), a, p));
                addRecipient(envelopeAddress(a, false));
            }
        }
    }
    if (env.recipients.isEmpty())
        return fail(QStringLiteral("no recipients"));
    env.needsSmtpUtf8 = localPartNonAscii(env.reversePath);
    for (const QByteArray &r : std::as_const(env.recipients))
        env.needsSmtpUtf8 = env.needsSmtpUtf8 || localPartNonAscii(r);

    // --- stored bytes
    QByteArray added;
    QByteArray messageId;
    if (const Field *f = first("message-id")) {
        char *id = g_mime_utils_decode_message_id(f->value.constData());
        messageId = id ? QByteArray(id) : QByteArray();
        g_free(id);
        if (messageId.isEmpty())
            messageId = f->value.trimmed();
    } else {
        const QByteArray domain = aceDomain(senderAddress);
        messageId = options.gen.messageId ? options.gen.messageId(domain)
                                          : detail::generateMessageId(domain);
        if (messageId.startsWith('<') && messageId.endsWith('>'))
            messageId = messageId.mid(1, messageId.size() - 2);
        added += "Message-ID: <" + messageId + ">\r\n";
    }
    if (!first("date")) {
        const QDateTime now = options.gen.now ? options.gen.now() : QDateTime::currentDateTime();
        added += "Date: " + detail::formatDate(now) + "\r\n";
    }
    QByteArray data = added;
    for (const Field &f : h.fields)
        if (f.lower != "bcc" && f.lower != "resent-bcc")
            data += f.raw;
    if (!data.endsWith("\r\n"))
        data += "\r\n"; // a header-only message whose last line had no line end
    data += h.body;

    ComposedMessage result;
    result.data = data;
    result.messageId = messageId;
    result.envelope = env;
    return result;
}

} // namespace outpost::mime
