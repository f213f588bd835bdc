#include "Translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace outpost::ui {

QStringList installTranslations(QCoreApplication *app, const QLocale &locale)
{
    QStringList loaded;
    auto load = [&](const QString &name, const QString &dir) {
        auto *t = new QTranslator(app);
        // QTranslator::load(locale, ...) tries the UI languages in order ("de_AT", "de").
        if (t->load(locale, name, QStringLiteral("_"), dir)) {
            QCoreApplication::installTranslator(t);
            loaded << t->filePath();
        } else {
            delete t;
        }
    };
    load(QStringLiteral("qtbase"), QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    // English plural forms first, whatever the language: the source texts say "%n message(s)",
    // and a language's own file (installed after it, so asked first) or one without a file
    // falls back to "1 message", "2 messages" rather than "message(s)".
    if (locale.language() != QLocale::English) {
        auto *english = new QTranslator(app);
        if (english->load(QStringLiteral("outpost_en"), QStringLiteral(":/i18n"))) {
            QCoreApplication::installTranslator(english);
            loaded << english->filePath();
        } else {
            delete english;
        }
    }
    load(QStringLiteral("outpost"), QStringLiteral(":/i18n"));
    return loaded;
}

} // namespace outpost::ui
