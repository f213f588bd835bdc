#include "HtmlText.h"

#ifdef OUTPOST_CLI_HTML_TO_TEXT
#include <QTextBlock>
#include <QTextDocument>
#include <QTextFragment>
#include <QTextList>
#endif

namespace outpost::cli {

bool canDeriveTextFromHtml()
{
#ifdef OUTPOST_CLI_HTML_TO_TEXT
    return true;
#else
    return false;
#endif
}

QString plainTextFromHtml(const QString &html)
{
#ifdef OUTPOST_CLI_HTML_TO_TEXT
    QTextDocument doc;
    doc.setHtml(html);
    QStringList lines;
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
        QString line;
        if (const QTextList *list = b.textList()) {
            // Bullets (disc, circle, square) as "* ", numbered items as the list numbers them.
            const QTextListFormat::Style style = list->format().style();
            const bool bullet = style == QTextListFormat::ListDisc ||
                                style == QTextListFormat::ListCircle ||
                                style == QTextListFormat::ListSquare;
            line += bullet ? QStringLiteral("* ") : list->itemText(b) + QLatin1Char(' ');
        }
        QString href;     // the link whose words are being written
        QString linkText; // its words so far
        const auto endLink = [&] {
            if (!href.isEmpty() && !href.startsWith(QLatin1Char('#')) &&
                href != linkText.trimmed() && href != QLatin1String("mailto:") + linkText.trimmed())
                line += QStringLiteral(" <%1>").arg(href);
            href.clear();
            linkText.clear();
        };
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextFragment f = it.fragment();
            QString t = f.text();
            t.remove(QChar::ObjectReplacementCharacter); // an image
            t.replace(QChar::Nbsp, QLatin1Char(' '));
            t.replace(QChar::LineSeparator, QLatin1Char('\n')); // <br>
            const QString fragmentHref =
                f.charFormat().isAnchor() ? f.charFormat().anchorHref() : QString();
            if (fragmentHref != href)
                endLink();
            href = fragmentHref;
            if (!href.isEmpty())
                linkText += t;
            line += t;
        }
        endLink();
        lines << line;
    }
    // Empty blocks between paragraphs stay (one blank line); more than one in a row do not.
    QString out;
    int blank = 0;
    for (const QString &l : std::as_const(lines)) {
        const QString trimmed = l.trimmed().isEmpty() ? QString() : l;
        blank = trimmed.isEmpty() ? blank + 1 : 0;
        if (blank > 1 || (blank == 1 && out.isEmpty()))
            continue;
        out += trimmed + QLatin1Char('\n');
    }
    while (out.endsWith(QLatin1String("\n\n")))
        out.chop(1);
    return out;
#else
    Q_UNUSED(html)
    return {};
#endif
}

} // namespace outpost::cli
