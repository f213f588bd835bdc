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
    load(QStringLiteral("outpost"), QStringLiteral(":/i18n"));
    return loaded;
}

} // namespace outpost::ui
