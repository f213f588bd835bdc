#include "MessageComposer.h"

#include "GMimeSupport.h"

#include <QMimeDatabase>
#include <QSet>

#include "GMimeInclude.h"

namespace outpost::mime {

using detail::GRef;

namespace {

bool hasControl(const QString &s)
{
    for (QChar c : s) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f) || u == 0x2028 || u == 0x2029)
            return true;
    }
    return false;
}

QString quoted(const QString &s)
{
    return QStringLiteral("\"%1\"").arg(escapeControls(s));
}

/// Every line break (CRLF, CR, LF) becomes CRLF; the text ends with CRLF unless empty.
QByteArray crlfText(const QString &text)
{
    QByteArray in = text.toUtf8();
    QByteArray out;
    out.reserve(in.size() + in.size() / 40 + 2);
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in.at(i);
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < in.size() && in.at(i + 1) == '\n')
                ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    if (!out.isEmpty() && !out.endsWith("\r\n"))
        out += "\r\n";
    return out;
}

/// Subject as one line: each line break becomes one space, other controls a space too.
QString oneLine(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t u = text.at(i).unicode();
        if (u == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n')
            ++i;
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f) || u == 0x2028 || u == 0x2029)
            out += u' ';
        else
            out += text.at(i);
    }
    return out;
}

GMimePart *makeLeaf(const char *type, const char *subtype, const QByteArray &bytes)
{
    GMimePart *part = g_mime_part_new_with_type(type, subtype);
    GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.constData(), bytes.size()));
    GRef<GMimeDataWrapper> wrapper(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part, wrapper.get());
    return part;
}

GMimeObject *makeTextPart(const char *subtype, const QString &text)
{
    GMimePart *part = makeLeaf("text", subtype, crlfText(text));
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
    GMimeContentEncoding enc =
        g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT);
    if (enc == GMIME_CONTENT_ENCODING_DEFAULT)
        enc = GMIME_CONTENT_ENCODING_7BIT;
    g_mime_part_set_content_encoding(part, enc);
    return GMIME_OBJECT(part);
}

GMimeObject *makeAttachment(const Attachment &a)
{
    QString mimeType = a.mimeType.trimmed();
    const qsizetype slash = mimeType.indexOf(u'/');
    bool valid = slash > 0 && slash < mimeType.size() - 1;
    for (QChar c : std::as_const(mimeType))
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f || c == u';' || c == u'"')
            valid = false;
    if (!valid) {
        static const QMimeDatabase db;
        mimeType = db.mimeTypeForFileNameAndData(a.fileName, a.content).name();
    }
    const QByteArray type = mimeType.section(u'/', 0, 0).toLatin1();
    const QByteArray subtype = mimeType.section(u'/', 1).toLatin1();
    GMimePart *part = makeLeaf(type.constData(), subtype.constData(), a.content);
    GRef<GMimeContentDisposition> disposition(g_mime_content_disposition_new());
    g_mime_content_disposition_set_disposition(disposition.get(), GMIME_DISPOSITION_ATTACHMENT);
    g_mime_object_set_content_disposition(GMIME_OBJECT(part), disposition.get());
    if (!a.fileName.isEmpty()) {
        QString name = a.fileName;
        for (QChar &c : name)
            if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                c = u'_';
        g_mime_part_set_filename(part, name.toUtf8().constData());
    }
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    if (!a.fileName.isEmpty()) {
        // GMime 3.2 cuts RFC 2231 sections inside UTF-8 sequences: write whole-character
        // sections (each encoded by GMime) as the raw values of both fields.
        QString name = a.fileName;
        for (QChar &c : name)
            if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                c = u'_';
        const QList<QByteArray> filename = detail::rfc2231Sections("filename", name);
        if (!filename.isEmpty()) {
            const QList<QByteArray> nameParam = detail::rfc2231Sections("name", name);
            GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(part));
            GMimeHeader *cd = g_mime_header_list_get_header(headers, "Content-Disposition");
            GMimeHeader *ct = g_mime_header_list_get_header(headers, "Content-Type");
            if (cd && ct) {
                const QByteArray cdRaw = " attachment;\n\t" + filename.join(";\n\t") + '\n';
                const QByteArray ctRaw =
                    ' ' + type + '/' + subtype + ";\n\t" + nameParam.join(";\n\t") + '\n';
                g_mime_header_set_raw_value(cd, cdRaw.constData());
                g_mime_header_set_raw_value(ct, ctRaw.constData());
            }
        }
    }
    return GMIME_OBJECT(part);
}

GMimeObject *makeMultipart(const char *subtype, const ComposeGenerators &gen)
{
    GMimeMultipart *mp = g_mime_multipart_new_with_subtype(subtype);
    if (gen.boundary)
        g_mime_multipart_set_boundary(mp, gen.boundary().constData());
    else
        g_mime_multipart_set_boundary(mp, nullptr); // GMime's random boundary
    return GMIME_OBJECT(mp);
}

/// A msg-id in angle brackets, or "" when it is not a plausible msg-id (RFC 5322 §3.6.4).
QByteArray msgId(QByteArray id)
{
    id = id.trimmed();
    if (id.startsWith('<') && id.endsWith('>'))
        id = id.mid(1, id.size() - 2);
    if (id.isEmpty() || !id.contains('@'))
        return {};
    for (char c : std::as_const(id))
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f || c == '<' || c == '>' || c == '"' || c == '(' ||
            c == ')' || c == ',' || c == ';' || c == '\\')
            return {};
    return '<' + id + '>';
}

bool reservedHeader(const QString &name)
{
    static const QSet<QString> reserved = {
        QStringLiteral("from"),        QStringLiteral("sender"),     QStringLiteral("to"),
        QStringLiteral("cc"),          QStringLiteral("bcc"),        QStringLiteral("reply-to"),
        QStringLiteral("subject"),     QStringLiteral("date"),       QStringLiteral("message-id"),
        QStringLiteral("in-reply-to"), QStringLiteral("references"), QStringLiteral("mime-version"),
        QStringLiteral("return-path"), QStringLiteral("received")};
    const QString lower = name.toLower();
    return reserved.contains(lower) || lower.startsWith(QLatin1String("content-")) ||
           lower.startsWith(QLatin1String("resent-"));
}

bool validFieldName(const QString &name)
{
    if (name.isEmpty())
        return false;
    for (QChar c : name)
        if (c.unicode() < 33 || c.unicode() > 126 || c == u':')
            return false;
    return true;
}

struct MailboxCheck
{
    QByteArray headerForm; ///< `phrase <addr>` or `addr`
    QString error;
};

MailboxCheck checkMailbox(const Mailbox &mb, const char *role)
{
    MailboxCheck r;
    const QString who = QString::fromLatin1(role);
    if (hasControl(mb.name)) {
        const bool lineBreak = mb.name.contains(u'\r') || mb.name.contains(u'\n');
        r.error = QStringLiteral("%1 %2: %3 in display name")
                      .arg(who, quoted(mb.name),
                           lineBreak ? QStringLiteral("line break")
                                     : QStringLiteral("control character"));
        return r;
    }
    const QString problem = addressProblem(mb.address);
    if (!problem.isEmpty()) {
        r.error = QStringLiteral("%1 %2: %3").arg(who, quoted(mb.address), problem);
        return r;
    }
    const QByteArray addr = headerAddress(mb.address);
    const QString name = mb.name.simplified();
    if (name.isEmpty())
        r.headerForm = addr;
    else
        r.headerForm = detail::encodePhrase(name) + " <" + addr + '>';
    return r;
}

} // namespace

ComposedMessage composeMessage(const Draft &draft, const ComposeGenerators &gen)
{
    detail::ensureGMime();
    ComposedMessage result;
    auto fail = [](const QString &error) {
        ComposedMessage r;
        r.error = error;
        return r;
    };

    // --- addresses
    if (draft.from.address.isEmpty())
        return fail(QStringLiteral("no sender (From)"));
    const MailboxCheck from = checkMailbox(draft.from, "From");
    if (!from.error.isEmpty())
        return fail(from.error);

    auto listField = [&](const QList<Mailbox> &list, const char *role, QByteArray *value,
                         QString *error) {
        QList<QByteArray> parts;
        for (const Mailbox &mb : list) {
            const MailboxCheck c = checkMailbox(mb, role);
            if (!c.error.isEmpty()) {
                *error = c.error;
                return;
            }
            parts << c.headerForm;
        }
        *value = parts.join(", ");
    };
    QByteArray toValue, ccValue, replyToValue, bccUnused;
    QString error;
    listField(draft.to, "To", &toValue, &error);
    if (error.isEmpty())
        listField(draft.cc, "Cc", &ccValue, &error);
    if (error.isEmpty())
        listField(draft.bcc, "Bcc", &bccUnused, &error);
    if (error.isEmpty())
        listField(draft.replyTo, "Reply-To", &replyToValue, &error);
    if (!error.isEmpty())
        return fail(error);

    // --- envelope
    Envelope env;
    env.reversePath = envelopeAddress(draft.from.address, false);
    env.needsSmtpUtf8 = needsSmtpUtf8(draft.from.address);
    QSet<QByteArray> seen;
    for (const QList<Mailbox> *list : {&draft.to, &draft.cc, &draft.bcc}) {
        for (const Mailbox &mb : *list) {
            const QByteArray a = envelopeAddress(mb.address, false);
            const qsizetype at = a.lastIndexOf('@');
            const QByteArray key = a.left(at + 1) + a.mid(at + 1).toLower();
            if (seen.contains(key))
                continue;
            seen.insert(key);
            env.recipients << a;
            env.needsSmtpUtf8 = env.needsSmtpUtf8 || needsSmtpUtf8(mb.address);
        }
    }
    if (env.recipients.isEmpty())
        return fail(QStringLiteral("no recipients"));

    // --- other header values
    QByteArray inReplyTo;
    if (!draft.inReplyTo.isEmpty()) {
        inReplyTo = msgId(draft.inReplyTo);
        if (inReplyTo.isEmpty())
            return fail(QStringLiteral("In-Reply-To: invalid message id \"%1\"")
                            .arg(escapeControls(QString::fromUtf8(draft.inReplyTo))));
    }
    QList<QByteArray> references;
    for (const QByteArray &ref : draft.references) {
        const QByteArray id = msgId(ref);
        if (id.isEmpty())
            return fail(QStringLiteral("References: invalid message id \"%1\"")
                            .arg(escapeControls(QString::fromUtf8(ref))));
        references << id;
    }
    QByteArray extra;
    for (const auto &[name, value] : draft.extraHeaders) {
        if (!validFieldName(name))
            return fail(
                QStringLiteral("invalid header field name \"%1\"").arg(escapeControls(name)));
        if (reservedHeader(name))
            return fail(QStringLiteral("header field %1 is set by the composer").arg(name));
        if (value.contains(u'\r') || value.contains(u'\n'))
            return fail(QStringLiteral("%1: line break in header value").arg(name));
        extra += detail::foldField(name.toLatin1(), detail::encodeText(oneLine(value)), false);
    }

    const QByteArray domain = aceDomain(draft.from.address);
    QByteArray id = gen.messageId ? gen.messageId(domain) : detail::generateMessageId(domain);
    const QByteArray bracketed = msgId(id);
    if (bracketed.isEmpty())
        return fail(QStringLiteral("generated Message-ID is invalid"));
    id = bracketed.mid(1, bracketed.size() - 2);
    const QDateTime now = gen.now ? gen.now() : QDateTime::currentDateTime();
    const QByteArray date = detail::formatDate(now);
    if (date.isEmpty())
        return fail(QStringLiteral("invalid date"));

    // --- header block (order of RFC 5322 §3.6 table)
    QByteArray head;
    head += detail::foldField("Date", date, true);
    head += detail::foldField("From", from.headerForm, true);
    if (!replyToValue.isEmpty())
        head += detail::foldField("Reply-To", replyToValue, true);
    if (!toValue.isEmpty())
        head += detail::foldField("To", toValue, true);
    if (!ccValue.isEmpty())
        head += detail::foldField("Cc", ccValue, true);
    head += detail::foldField("Subject", detail::encodeText(oneLine(draft.subject)), false);
    head += detail::foldField("Message-ID", bracketed, true);
    if (!inReplyTo.isEmpty())
        head += detail::foldField("In-Reply-To", inReplyTo, true);
    if (!references.isEmpty())
        head += detail::foldField("References", references.join(' '), true);
    head += extra;
    head += "MIME-Version: 1.0\r\n";

    // --- MIME body
    GRef<GMimeObject> body;
    if (!draft.htmlBody.isEmpty() && draft.textBody.isEmpty()) {
        // HTML alone (no text to offer beside it): one text/html part, never an empty
        // text/plain alternative that a reader without HTML would show as a blank message.
        body = GRef<GMimeObject>(makeTextPart("html", draft.htmlBody));
    } else if (draft.htmlBody.isEmpty()) {
        body = GRef<GMimeObject>(makeTextPart("plain", draft.textBody));
    } else {
        body = GRef<GMimeObject>(makeTextPart("plain", draft.textBody));
        GRef<GMimeObject> alt(makeMultipart("alternative", gen));
        g_mime_multipart_add(GMIME_MULTIPART(alt.get()), body.get());
        GRef<GMimeObject> html(makeTextPart("html", draft.htmlBody));
        g_mime_multipart_add(GMIME_MULTIPART(alt.get()), html.get());
        body = std::move(alt);
    }
    if (!draft.attachments.isEmpty()) {
        GRef<GMimeObject> mixed(makeMultipart("mixed", gen));
        g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), body.get());
        for (const Attachment &a : draft.attachments) {
            GRef<GMimeObject> part(makeAttachment(a));
            g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), part.get());
        }
        body = std::move(mixed);
    }
    GMimeFormatOptions *format = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
    g_mime_format_options_set_param_encoding_method(format, GMIME_PARAM_ENCODING_METHOD_RFC2231);
    char *mime = g_mime_object_to_string(body.get(), format);
    g_mime_format_options_free(format);
    QByteArray entity(mime ? mime : "");
    g_free(mime);
    if (!entity.endsWith("\r\n"))
        entity += "\r\n";

    result.data = head + entity;
    result.messageId = id;
    result.envelope = env;
    return result;
}

QByteArray mailboxField(const QByteArray &name, const QString &displayName, const QString &addrSpec)
{
    QByteArray value = headerAddress(addrSpec);
    const QString phrase = QString(displayName)
                               .replace(QLatin1Char('\r'), QLatin1Char(' '))
                               .replace(QLatin1Char('\n'), QLatin1Char(' '))
                               .trimmed();
    if (!phrase.isEmpty())
        value = detail::encodePhrase(phrase) + " <" + value + '>';
    return detail::foldField(name, value, true);
}

} // namespace outpost::mime
