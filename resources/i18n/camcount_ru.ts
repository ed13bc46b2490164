<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>AdminAccess</name>
    <message>
        <source>Not allowed for this account{account}: it may not send control messages, so it cannot change cameras, zones, alert rules or notification targets. Ask an admin, or connect with an admin account.</source>
        <translation>Для этой учётной записи запрещено{account}: она не может отправлять управляющие сообщения и поэтому не может менять камеры, зоны, правила тревог и получателей уведомлений. Обратитесь к администратору или подключитесь под учётной записью администратора.</translation>
    </message>
    <message>
        <source>nobody is listening for control messages (no camera, detector or analytics worker is connected); nothing was changed</source>
        <translation>управляющие сообщения никто не принимает (не подключён ни один обработчик камер, детектора или аналитики); ничего не изменено</translation>
    </message>
    <message>
        <source>not sent: {why}</source>
        <translation>не отправлено: {why}</translation>
    </message>
</context>
<context>
    <name>AdminMenu</name>
    <message>
        <source>&amp;Admin</source>
        <translation>&amp;Администрирование</translation>
    </message>
    <message>
        <source>&amp;Cameras…</source>
        <translation>&amp;Камеры…</translation>
    </message>
    <message>
        <source>&amp;Zones of</source>
        <translation>&amp;Зоны камеры</translation>
    </message>
    <message>
        <source>&amp;Sites…</source>
        <translation>&amp;Объекты…</translation>
    </message>
    <message>
        <source>Alert &amp;rules and targets…</source>
        <translation>&amp;Правила тревог и получатели…</translation>
    </message>
    <message>
        <source>Admin actions: not allowed for this account</source>
        <translation>Действия администратора: запрещены для этой учётной записи</translation>
    </message>
    <message>
        <source>(no cameras yet)</source>
        <translation>(камер пока нет)</translation>
    </message>
</context>
<context>
    <name>AlertDetailView</name>
    <message>
        <source>Live</source>
        <translation>В эфире</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>Примечание (необязательно)</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Подтвердить</translation>
    </message>
    <message>
        <source>Click an alert to see what happened: its snapshot and its camera live.</source>
        <translation>Щёлкните тревогу, чтобы увидеть, что произошло: её снимок и камеру в эфире.</translation>
    </message>
    <message>
        <source>This alert is not about a camera: there is no picture of it.</source>
        <translation>Эта тревога не связана с камерой: изображения нет.</translation>
    </message>
    <message>
        <source>Asking for the snapshot…</source>
        <translation>Запрашиваем снимок…</translation>
    </message>
    <message>
        <source>No alert chosen</source>
        <translation>Тревога не выбрана</translation>
    </message>
    <message>
        <source>no camera</source>
        <translation>без камеры</translation>
    </message>
    <message>
        <source>{severity} · {camera} · {time}</source>
        <translation>{severity} · {camera} · {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Активные</translation>
    </message>
    <message>
        <source>Resolved at {time}</source>
        <translation>Завершена в {time}</translation>
    </message>
    <message>
        <source>acknowledged by {who} at {time}</source>
        <translation>подтвердил {who} в {time}</translation>
    </message>
    <message>
        <source>note: “{note}”</source>
        <translation>примечание: «{note}»</translation>
    </message>
    <message>
        <source>not acknowledged</source>
        <translation>не подтверждена</translation>
    </message>
    <message>
        <source>No snapshot: {why}</source>
        <translation>Снимка нет: {why}</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Снимок</translation>
    </message>
    <message>
        <source>Snapshot at {time}</source>
        <translation>Снимок в {time}</translation>
    </message>
    <message>
        <source>, {seconds} s before the alert</source>
        <translation>, за {seconds} с до тревоги</translation>
    </message>
</context>
<context>
    <name>AlertingDialog</name>
    <message>
        <source>Setting</source>
        <translation>Параметр</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <source>sending ({n} failed in a row)</source>
        <translation>отправка (ошибок подряд: {n})</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>отправка</translation>
    </message>
    <message>
        <source>paused, probing with the next send</source>
        <translation>приостановлено, следующая отправка будет пробной</translation>
    </message>
    <message>
        <source>paused until {time} after {n} failures</source>
        <translation>приостановлено до {time} после ошибок: {n}</translation>
    </message>
    <message>
        <source>paused after {n} failures</source>
        <translation>приостановлено после ошибок: {n}</translation>
    </message>
    <message>
        <source>&gt; the site&apos;s maximum</source>
        <translation>&gt; максимума объекта</translation>
    </message>
    <message>
        <source>in {n} s</source>
        <translation>за {n} с</translation>
    </message>
    <message>
        <source>for {n} s</source>
        <translation>в течение {n} с</translation>
    </message>
    <message>
        <source>cooldown {n} s</source>
        <translation>пауза {n} с</translation>
    </message>
    <message>
        <source>cameras</source>
        <translation>камеры</translation>
    </message>
    <message>
        <source>zones</source>
        <translation>зоны</translation>
    </message>
    <message>
        <source>lines</source>
        <translation>линии</translation>
    </message>
    <message>
        <source>roles</source>
        <translation>роли</translation>
    </message>
    <message>
        <source>queues</source>
        <translation>очереди</translation>
    </message>
    <message>
        <source>sites</source>
        <translation>объекты</translation>
    </message>
    <message>
        <source>all</source>
        <translation>все</translation>
    </message>
    <message>
        <source>delivered{code} in {ms} ms</source>
        <translation>доставлено{code} за {ms} мс</translation>
    </message>
    <message>
        <source>failed: {why}</source>
        <translation>ошибка: {why}</translation>
    </message>
    <message>
        <source>Alert rules and notification targets</source>
        <translation>Правила тревог и получатели уведомлений</translation>
    </message>
    <message>
        <source>Add rule…</source>
        <translation>Добавить правило…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Изменить…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Add target…</source>
        <translation>Добавить получателя…</translation>
    </message>
    <message>
        <source>Edit settings…</source>
        <translation>Изменить настройки…</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>Правила</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>Получатели</translation>
    </message>
    <message>
        <source>Site settings</source>
        <translation>Настройки объекта</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>никому</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>да</translation>
    </message>
    <message>
        <source>no</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>none</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>Send test notification</source>
        <translation>Отправить тестовое уведомление</translation>
    </message>
    <message>
        <source>version {version}, saved by {person}</source>
        <translation>версия {version}, сохранил {person}</translation>
    </message>
    <message>
        <source>version {version}</source>
        <translation>версия {version}</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Правило</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Важность</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>Условие</translation>
    </message>
    <message>
        <source>Watches</source>
        <translation>Что отслеживает</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>Уведомлять</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Включено</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Получатель</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Канал</translation>
    </message>
    <message>
        <source>Sends to</source>
        <translation>Куда отправляет</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Ограничение частоты</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Секрет</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Проверка</translation>
    </message>
    <message>
        <source>Last test</source>
        <translation>Последняя проверка</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>{what} saved: version {version} is in force</source>
        <translation>{what}: сохранено, действует версия {version}</translation>
    </message>
    <message>
        <source>Rule {rule} deleted</source>
        <translation>Правило {rule} удалено</translation>
    </message>
    <message>
        <source>Target {target} deleted</source>
        <translation>Получатель {target} удалён</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Отправка…</translation>
    </message>
    <message>
        <source>Sending a test notification to {target}…</source>
        <translation>Отправка тестового уведомления: {target}…</translation>
    </message>
    <message>
        <source>Test to {target} {outcome}</source>
        <translation>Тест для {target}: {outcome}</translation>
    </message>
</context>
<context>
    <name>AlertsController</name>
    <message>
        <source>could not acknowledge: {why}</source>
        <translation>не удалось подтвердить: {why}</translation>
    </message>
</context>
<context>
    <name>AlertsView</name>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Важность</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>Тревога</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>Подтверждена</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>критическая</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>предупреждение</translation>
    </message>
    <message>
        <source>info</source>
        <translation>информация</translation>
    </message>
    <message>
        <source>click a camera to show it</source>
        <translation>щёлкните камеру, чтобы показать её</translation>
    </message>
    <message>
        <source>Acknowledge selected</source>
        <translation>Подтвердить выбранные</translation>
    </message>
    <message>
        <source>Acknowledge all</source>
        <translation>Подтвердить все</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Все</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Активные</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Завершённые</translation>
    </message>
    <message>
        <source>which alerts to list</source>
        <translation>какие тревоги показывать</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Показать</translation>
    </message>
    <message>
        <source>{person} at {time}</source>
        <translation>{person} в {time}</translation>
    </message>
    <message>
        <source>active</source>
        <translation>активна</translation>
    </message>
    <message>
        <source>resolved {time}</source>
        <translation>завершена в {time}</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>завершена</translation>
    </message>
    <message>
        <source>{camera}: click to show it</source>
        <translation>{camera}: щёлкните, чтобы показать</translation>
    </message>
    <message>
        <source>{n} active</source>
        <translation>активных: {n}</translation>
    </message>
    <message>
        <source>none active</source>
        <translation>активных нет</translation>
    </message>
    <message>
        <source>{n} unacknowledged</source>
        <translation>не подтверждено: {n}</translation>
    </message>
    <message>
        <source>all acknowledged</source>
        <translation>все подтверждены</translation>
    </message>
</context>
<context>
    <name>AnalyticsController</name>
    <message>
        <source>This account may not ask the analytics worker. Ask an admin to give it the operator permissions of docs/admin.md, or connect with an admin account.</source>
        <translation>Этой учётной записи нельзя обращаться к обработчику аналитики. Попросите администратора выдать ей права оператора из docs/admin.md или подключитесь под учётной записью администратора.</translation>
    </message>
    <message>
        <source>The query failed: {why}</source>
        <translation>Запрос не выполнен: {why}</translation>
    </message>
    <message>
        <source>Asking the analytics worker for its cameras…</source>
        <translation>Запрашиваю у обработчика аналитики список камер…</translation>
    </message>
    <message>
        <source>The analytics worker has no cameras yet: nothing has been counted.</source>
        <translation>У обработчика аналитики пока нет камер: ничего не подсчитано.</translation>
    </message>
    <message>
        <source>{n} cameras known to the analytics worker; none has counted anything in the last {days} days.</source>
        <translation>Камер у обработчика аналитики: {n}; ни одна ничего не насчитала за последние {days} дн.</translation>
    </message>
    <message>
        <source>{n} cameras known to the analytics worker, {c} with counts in the last {days} days.</source>
        <translation>Камер у обработчика аналитики: {n}, с подсчётами за последние {days} дн.: {c}.</translation>
    </message>
    <message>
        <source>Querying…</source>
        <translation>Запрос…</translation>
    </message>
    <message>
        <source>Nothing counted for {camera} · {shape} in {span}.</source>
        <translation>Для {camera} · {shape} за {span} ничего не подсчитано.</translation>
    </message>
    <message>
        <source>{n} hourly bucket(s)</source>
        <translation>часовых интервалов: {n}</translation>
    </message>
    <message>
        <source>{n} daily bucket(s)</source>
        <translation>дневных интервалов: {n}</translation>
    </message>
    <message>
        <source>{n} weekly bucket(s)</source>
        <translation>недельных интервалов: {n}</translation>
    </message>
    <message>
        <source>{n} monthly bucket(s)</source>
        <translation>месячных интервалов: {n}</translation>
    </message>
    <message>
        <source>Site {name}: people inside, {span} ({tz})</source>
        <translation>Объект {name}: людей внутри, {span} ({tz})</translation>
    </message>
    <message>
        <source>Nothing to export yet: show a chart first.</source>
        <translation>Экспортировать пока нечего: сначала постройте график.</translation>
    </message>
    <message>
        <source>Export failed: {why}</source>
        <translation>Экспорт не выполнен: {why}</translation>
    </message>
    <message>
        <source>Exported {n} rows to {path}</source>
        <translation>Экспортировано строк: {n}, файл {path}</translation>
    </message>
</context>
<context>
    <name>AnalyticsView</name>
    <message>
        <source>Hourly</source>
        <translation>По часам</translation>
    </message>
    <message>
        <source>Daily</source>
        <translation>По дням</translation>
    </message>
    <message>
        <source>Weekly</source>
        <translation>По неделям</translation>
    </message>
    <message>
        <source>Monthly</source>
        <translation>По месяцам</translation>
    </message>
    <message>
        <source>CamCount — Analytics</source>
        <translation>CamCount — Аналитика</translation>
    </message>
    <message>
        <source>None: a camera</source>
        <translation>Нет: камера</translation>
    </message>
    <message>
        <source>Reload cameras</source>
        <translation>Обновить камеры</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Показать</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>Экспорт в CSV…</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <source>Lines/zones</source>
        <translation>Линии/зоны</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Класс</translation>
    </message>
    <message>
        <source>Buckets</source>
        <translation>Интервалы</translation>
    </message>
    <message>
        <source>From</source>
        <translation>С</translation>
    </message>
    <message>
        <source>To</source>
        <translation>По</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>Объект</translation>
    </message>
    <message>
        <source>Heatmap</source>
        <translation>Тепловая карта</translation>
    </message>
    <message>
        <source>Where people walked and stood on the chosen camera and days, over its picture</source>
        <translation>Где люди ходили и стояли на выбранной камере в выбранные дни, поверх её изображения</translation>
    </message>
    <message>
        <source>Line/zone</source>
        <translation>Линия/зона</translation>
    </message>
    <message>
        <source>In</source>
        <translation>Вход</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>Разница</translation>
    </message>
    <message>
        <source>All lines</source>
        <translation>Все линии</translation>
    </message>
    <message>
        <source>All zones</source>
        <translation>Все зоны</translation>
    </message>
    <message>
        <source>Line: {name}</source>
        <translation>Линия: {name}</translation>
    </message>
    <message>
        <source>Zone: {name}</source>
        <translation>Зона: {name}</translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>Все классы</translation>
    </message>
    <message>
        <source>No camera to show: the analytics worker has not counted any yet.</source>
        <translation>Нечего показать: обработчик аналитики ещё ни по одной камере не считал.</translation>
    </message>
    <message>
        <source>The To day is before the From day.</source>
        <translation>День «По» раньше дня «С».</translation>
    </message>
    <message>
        <source>Export what is shown</source>
        <translation>Экспорт показанного</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Файлы CSV (*.csv)</translation>
    </message>
    <message>
        <source>all classes</source>
        <translation>все классы</translation>
    </message>
    <message>
        <source>Entries {n_in} · Exits {n_out} · Peak inside {peak} · Inside at end {end}</source>
        <translation>Входы {n_in} · Выходы {n_out} · Максимум внутри {peak} · Внутри в конце {end}</translation>
    </message>
    <message>
        <source>In {n_in} · Out {n_out} · Net {net}</source>
        <translation>Вход {n_in} · Выход {n_out} · Разница {net}</translation>
    </message>
    <message>
        <source>Peak inside {peak} · Inside at end {end}</source>
        <translation>Максимум внутри {peak} · Внутри в конце {end}</translation>
    </message>
    <message>
        <source>corrected {n}</source>
        <translation>с поправкой {n}</translation>
    </message>
    <message>
        <source>maximum {n}</source>
        <translation>максимум {n}</translation>
    </message>
</context>
<context>
    <name>BucketEventsPanel</name>
    <message>
        <source>List count events</source>
        <translation>Список событий подсчёта</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Line/zone</source>
        <translation>Линия/зона</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Направление</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Класс</translation>
    </message>
    <message>
        <source>Track</source>
        <translation>Трек</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Снимок</translation>
    </message>
    <message>
        <source>Choose an event to see its snapshot.</source>
        <translation>Выберите событие, чтобы увидеть его снимок.</translation>
    </message>
    <message>
        <source>Count events of bucket</source>
        <translation>События подсчёта интервала</translation>
    </message>
    <message>
        <source>{start} · in {n_in} · out {n_out}</source>
        <translation>{start} · вход {n_in} · выход {n_out}</translation>
    </message>
    <message>
        <source>Asking…</source>
        <translation>Запрос…</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>да</translation>
    </message>
    <message>
        <source>none</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>{n} count event(s), {k} with a snapshot</source>
        <translation>Событий подсчёта: {n}, со снимком: {k}</translation>
    </message>
    <message>
        <source> (the newest only)</source>
        <translation> (только последние)</translation>
    </message>
    <message>
        <source>No snapshot is stored for these events.</source>
        <translation>Для этих событий снимки не сохранены.</translation>
    </message>
    <message>
        <source>entered</source>
        <translation>вошёл</translation>
    </message>
    <message>
        <source>left</source>
        <translation>вышел</translation>
    </message>
    <message>
        <source>in</source>
        <translation>вход</translation>
    </message>
    <message>
        <source>out</source>
        <translation>выход</translation>
    </message>
    <message>
        <source>Asking for the snapshot…</source>
        <translation>Запрашиваем снимок…</translation>
    </message>
    <message>
        <source>No snapshot: {why}</source>
        <translation>Снимка нет: {why}</translation>
    </message>
    <message>
        <source>Track {track} at {time}</source>
        <translation>Трек {track} в {time}</translation>
    </message>
</context>
<context>
    <name>BusAdapter</name>
    <message>
        <source>cannot follow camera {camera}: {why}</source>
        <translation>не удаётся следить за камерой {camera}: {why}</translation>
    </message>
</context>
<context>
    <name>CameraAdminController</name>
    <message>
        <source>{source} opened but sent no picture</source>
        <translation>{source} открылся, но не прислал изображения</translation>
    </message>
    <message>
        <source>{why} Showing the cameras this console has seen.</source>
        <translation>{why} Показаны камеры, которые видела эта консоль.</translation>
    </message>
    <message>
        <source>Cameras recorded by the analytics worker: {n}</source>
        <translation>Камер, записанных обработчиком аналитики: {n}</translation>
    </message>
    <message>
        <source>the configuration of {camera} is not known here; edit it first</source>
        <translation>конфигурация {camera} здесь неизвестна; сначала измените её</translation>
    </message>
    <message>
        <source>cannot open {source}: {why}</source>
        <translation>не удаётся открыть {source}: {why}</translation>
    </message>
</context>
<context>
    <name>CameraAdminDialog</name>
    <message>
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Группа</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Источник</translation>
    </message>
    <message>
        <source>fps</source>
        <translation>кадр/с</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Включена</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Cameras — CamCount</source>
        <translation>Камеры — CamCount</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Добавить…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Изменить…</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Включить</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Zones…</source>
        <translation>Зоны…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>(configuration not known here)</source>
        <translation>(конфигурация здесь неизвестна)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>да</translation>
    </message>
    <message>
        <source>no</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>As its camera worker runs it (started there with --camera): not saved from a console. Edit… saves it, then every console and worker knows it.</source>
        <translation>Так, как её запускает обработчик камер (там же, с --camera): из консоли не сохранялась. «Изменить…» сохранит её, и тогда её узнают все консоли и обработчики.</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Отключить</translation>
    </message>
    <message>
        <source>Not done. {why}</source>
        <translation>Не выполнено. {why}</translation>
    </message>
    <message>
        <source>{no_worker}: until then it stays unknown</source>
        <translation>{no_worker}: до тех пор её состояние неизвестно</translation>
    </message>
    <message>
        <source>Camera {camera} sent to the camera workers of group {group}</source>
        <translation>Камера {camera} отправлена обработчикам камер группы {group}</translation>
    </message>
    <message>
        <source>(default)</source>
        <translation>(по умолчанию)</translation>
    </message>
    <message>
        <source>Camera {camera} reconfigured</source>
        <translation>Камера {camera} перенастроена</translation>
    </message>
    <message>
        <source>Camera {camera} disabled</source>
        <translation>Камера {camera} отключена</translation>
    </message>
    <message>
        <source>Camera {camera} enabled</source>
        <translation>Камера {camera} включена</translation>
    </message>
    <message>
        <source>Camera {camera} removed</source>
        <translation>Камера {camera} удалена</translation>
    </message>
</context>
<context>
    <name>CameraForm</name>
    <message>
        <source>Edit camera</source>
        <translation>Изменить камеру</translation>
    </message>
    <message>
        <source>Add camera</source>
        <translation>Добавить камеру</translation>
    </message>
    <message>
        <source>letters, digits, - and _</source>
        <translation>буквы, цифры, - и _</translation>
    </message>
    <message>
        <source>rtsp://user:pass@host/stream, http://…/video.mjpg, a file, or 0</source>
        <translation>rtsp://user:pass@host/stream, http://…/video.mjpg, файл или 0</translation>
    </message>
    <message>
        <source>The camera worker started with --group &lt;this&gt; adopts a new camera</source>
        <translation>Новую камеру берёт обработчик камер, запущенный с --group &lt;эта группа&gt;</translation>
    </message>
    <message>
        <source>the detector&apos;s default</source>
        <translation>по умолчанию детектора</translation>
    </message>
    <message>
        <source>the detector&apos;s default (640)</source>
        <translation>по умолчанию детектора (640)</translation>
    </message>
    <message>
        <source>Smaller is faster but misses small, distant people; HOG ignores it</source>
        <translation>Меньше — быстрее, но мелких, далёких людей детектор пропускает; HOG это не учитывает</translation>
    </message>
    <message>
        <source>Replay a video file endlessly</source>
        <translation>Воспроизводить видеофайл по кругу</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Включена</translation>
    </message>
    <message>
        <source>Test the connection to see a picture</source>
        <translation>Проверьте подключение, чтобы увидеть изображение</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Проверить подключение</translation>
    </message>
    <message>
        <source>Save a camera that did not connect?</source>
        <translation>Сохранить камеру, к которой не удалось подключиться?</translation>
    </message>
    <message>
        <source>Camera id</source>
        <translation>ID камеры</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Источник</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Группа</translation>
    </message>
    <message>
        <source>Analysis fps</source>
        <translation>Кадров в секунду для анализа</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Классы</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Input size</source>
        <translation>Размер входа</translation>
    </message>
    <message>
        <source>a camera id is letters, digits, - and _ (at most 64): it names the camera&apos;s queues</source>
        <translation>ID камеры — буквы, цифры, - и _ (не больше 64): по нему называются очереди камеры</translation>
    </message>
    <message>
        <source>a name is needed: it is what operators see on the wall</source>
        <translation>нужно название: его операторы видят на видеостене</translation>
    </message>
    <message>
        <source>{fps} frames per second cannot be analysed: more than 0 and at most {max}</source>
        <translation>нельзя анализировать {fps} кадров в секунду: нужно больше 0 и не больше {max}</translation>
    </message>
    <message>
        <source>an input size is a number of pixels, such as 416; empty: the detector&apos;s default</source>
        <translation>размер входа — число пикселей, например 416; пусто — по умолчанию детектора</translation>
    </message>
    <message>
        <source>the source shows *** where its password was (CamCount never stores camera passwords outside the camera workers): type it again</source>
        <translation>в источнике *** вместо пароля (CamCount хранит пароли камер только у обработчиков камер): введите его снова</translation>
    </message>
    <message>
        <source>Save {camera} anyway? Its tile will show NO SIGNAL until the source answers.</source>
        <translation>Всё равно сохранить {camera}? Пока источник не ответит, в её ячейке будет НЕТ СИГНАЛА.</translation>
    </message>
    <message>
        <source>Connecting to {source}…</source>
        <translation>Подключение к {source}…</translation>
    </message>
    <message>
        <source>Connection test failed: {reason}</source>
        <translation>Проверка подключения не удалась: {reason}</translation>
    </message>
    <message>
        <source>{width}×{height} from this computer</source>
        <translation>{width}×{height} с этого компьютера</translation>
    </message>
</context>
<context>
    <name>CamerasView</name>
    <message>
        <source>online</source>
        <translation>в сети</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>переподключение</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>не в сети</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>неизвестно</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>отключена</translation>
    </message>
    <message>
        <source>no worker</source>
        <translation>нет обработчика</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Камера</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>FPS</source>
        <translation>Кадр/с</translation>
    </message>
    <message>
        <source>Filter cameras</source>
        <translation>Фильтр камер</translation>
    </message>
    <message>
        <source>no camera worker serves group {group}: start one with `camcount-worker camera --group {group}`</source>
        <translation>группу {group} не обслуживает ни один обработчик камер: запустите его командой `camcount-worker camera --group {group}`</translation>
    </message>
    <message>
        <source>no camera worker serves the default group: start one with `camcount-worker camera`</source>
        <translation>группу по умолчанию не обслуживает ни один обработчик камер: запустите его командой `camcount-worker camera`</translation>
    </message>
</context>
<context>
    <name>ConfigEditForm</name>
    <message>
        <source>Correct the fields marked in red</source>
        <translation>Исправьте поля, выделенные красным</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <source>in-process bus (local mode)</source>
        <translation>внутренняя шина (локальный режим)</translation>
    </message>
    <message>
        <source>Heatmap: {why}</source>
        <translation>Тепловая карта: {why}</translation>
    </message>
    <message>
        <source>Heatmap: nobody seen in the last 24 h</source>
        <translation>Тепловая карта: за последние 24 ч никого не было</translation>
    </message>
    <message>
        <source>Heatmap · where people walked · last 24 h ({hours} h of data)</source>
        <translation>Тепловая карта · где ходили люди · последние 24 ч (данных за {hours} ч)</translation>
    </message>
    <message>
        <source>Faces not shown on {camera}: {why}. Seeing faces needs the &apos;see faces&apos; right (docs/privacy.md).</source>
        <translation>Лица на {camera} не показаны: {why}. Для просмотра лиц нужно право &apos;see faces&apos; (docs/privacy.md).</translation>
    </message>
</context>
<context>
    <name>CountingSettings</name>
    <message>
        <source>feet</source>
        <translation>ноги</translation>
    </message>
    <message>
        <source>box centre</source>
        <translation>центр рамки</translation>
    </message>
    <message>
        <source>head</source>
        <translation>голова</translation>
    </message>
    <message>
        <source>Counting (all lines)</source>
        <translation>Подсчёт (все линии)</translation>
    </message>
    <message>
        <source>The point of each box that crosses lines and is inside zones: the feet (bottom centre), the box centre or the head (top centre)</source>
        <translation>Точка рамки, по которой считаются пересечения линий и нахождение в зонах: ноги (середина низа), центр рамки или голова (середина верха)</translation>
    </message>
    <message>
        <source> frames</source>
        <translation> кадр.</translation>
    </message>
    <message>
        <source>Frames beyond the dead band on the new side before a crossing counts</source>
        <translation>Сколько кадров объект должен пробыть на новой стороне за мёртвой зоной, прежде чем пересечение засчитается</translation>
    </message>
    <message>
        <source> % of width</source>
        <translation> % ширины</translation>
    </message>
    <message>
        <source>A band this wide on each side of every line (shaded on the picture) where a person is on neither side: standing on the line and swaying over it never counts</source>
        <translation>Полоса такой ширины по обе стороны каждой линии (затенена на изображении), где человек не относится ни к одной стороне: стоящий на линии и покачивающийся над ней не засчитывается</translation>
    </message>
    <message>
        <source>A track counts only once seen on this many frames, so a detection that flickers for a frame or two never counts</source>
        <translation>Трек засчитывается, только если виден на стольких кадрах: обнаружение, мелькнувшее на кадр-два, не считается</translation>
    </message>
    <message>
        <source> s</source>
        <translation> с</translation>
    </message>
    <message>
        <source>How long a person the tracker lost (hidden behind someone) is remembered, so that a new track id where they were heading continues them and is not counted again; 0 turns this off</source>
        <translation>Сколько помнить человека, которого трекер потерял (заслонён кем-то), чтобы новый трек там, куда он шёл, продолжал его и не считался повторно; 0 — отключить</translation>
    </message>
    <message>
        <source> × height</source>
        <translation> × рост</translation>
    </message>
    <message>
        <source>How far from where a lost person was heading a new track may appear to continue them, in person heights</source>
        <translation>На каком расстоянии (в ростах человека) от того места, куда шёл потерянный человек, может появиться новый трек, чтобы продолжить его</translation>
    </message>
    <message>
        <source>A person first seen this close to a line who walks away from it crossed it unseen (hidden behind someone, or lost by the tracker on the line) and is counted; 0 turns this off</source>
        <translation>Человек, впервые замеченный так близко к линии и уходящий от неё, пересёк её незамеченным (был заслонён или потерян трекером на линии) и засчитывается; 0 — отключить</translation>
    </message>
    <message>
        <source>Anchor</source>
        <translation>Точка привязки</translation>
    </message>
    <message>
        <source>Crossing counts after</source>
        <translation>Пересечение засчитывается через</translation>
    </message>
    <message>
        <source>Dead band</source>
        <translation>Мёртвая зона</translation>
    </message>
    <message>
        <source>New tracks count after</source>
        <translation>Новый трек засчитывается через</translation>
    </message>
    <message>
        <source>Remember lost people</source>
        <translation>Помнить потерянных</translation>
    </message>
    <message>
        <source>Rejoin within</source>
        <translation>Продолжать в пределах</translation>
    </message>
    <message>
        <source>Appears near a line</source>
        <translation>Появился у линии</translation>
    </message>
</context>
<context>
    <name>CountsChart</name>
    <message>
        <source>count</source>
        <translation>количество</translation>
    </message>
    <message>
        <source>in</source>
        <translation>вход</translation>
    </message>
    <message>
        <source>out</source>
        <translation>выход</translation>
    </message>
    <message>
        <source>inside</source>
        <translation>внутри</translation>
    </message>
    <message>
        <source>inside at bucket end</source>
        <translation>внутри в конце интервала</translation>
    </message>
    <message>
        <source>peak in bucket</source>
        <translation>максимум за интервал</translation>
    </message>
    <message>
        <source>corrected (visit time)</source>
        <translation>с поправкой (время визита)</translation>
    </message>
    <message>
        <source>maximum</source>
        <translation>максимум</translation>
    </message>
    <message>
        <source>entries</source>
        <translation>входы</translation>
    </message>
    <message>
        <source>exits</source>
        <translation>выходы</translation>
    </message>
</context>
<context>
    <name>DeadLetterController</name>
    <message>
        <source>This account may not read the error queue: reviewing, requeueing and discarding dead letters is for admin accounts. Ask an admin, or connect with an admin account.</source>
        <translation>Этой учётной записи нельзя читать очередь ошибок: разбирать, возвращать в очередь и удалять необработанные сообщения могут только администраторы. Обратитесь к администратору или подключитесь под учётной записью администратора.</translation>
    </message>
    <message>
        <source>cannot read the error queue: {why}</source>
        <translation>не удаётся прочитать очередь ошибок: {why}</translation>
    </message>
    <message>
        <source>{n} message(s) in the error queue</source>
        <translation>Сообщений в очереди ошибок: {n}</translation>
    </message>
    <message>
        <source>{n} message(s) requeued</source>
        <translation>Возвращено в очередь сообщений: {n}</translation>
    </message>
    <message>
        <source>not requeued: {why}</source>
        <translation>не возвращено в очередь: {why}</translation>
    </message>
    <message>
        <source>{n} message(s) discarded</source>
        <translation>Удалено сообщений: {n}</translation>
    </message>
    <message>
        <source>not discarded: {why}</source>
        <translation>не удалено: {why}</translation>
    </message>
</context>
<context>
    <name>DeadLetterView</name>
    <message>
        <source>Failed at</source>
        <translation>Сбой в</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Original route</source>
        <translation>Исходный маршрут</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Попытки</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>select messages to requeue or discard them</source>
        <translation>выберите сообщения, чтобы вернуть их в очередь или удалить</translation>
    </message>
    <message>
        <source>Refresh to read the error queue</source>
        <translation>Нажмите «Обновить», чтобы прочитать очередь ошибок</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Requeue selected</source>
        <translation>Вернуть выбранные в очередь</translation>
    </message>
    <message>
        <source>Discard selected</source>
        <translation>Удалить выбранные</translation>
    </message>
</context>
<context>
    <name>DetectionController</name>
    <message>
        <source>{size} MB</source>
        <translation>{size} МБ</translation>
    </message>
    <message>
        <source>Downloading {file} from {host}…</source>
        <translation>Загрузка {file} с {host}…</translation>
    </message>
    <message>
        <source>Downloading {file} from {host}: {size}, as the server announces…</source>
        <translation>Загрузка {file} с {host}: {size}, по словам сервера…</translation>
    </message>
    <message>
        <source>Checking that {file} loads as a model…</source>
        <translation>Проверяем, загружается ли {file} как модель…</translation>
    </message>
    <message>
        <source>Download cancelled; nothing was kept.</source>
        <translation>Загрузка отменена; ничего не сохранено.</translation>
    </message>
    <message>
        <source>{file} cannot be used: {reason}</source>
        <translation>{file} нельзя использовать: {reason}</translation>
    </message>
    <message>
        <source>{file} is ready in {folder}</source>
        <translation>{file} готов в {folder}</translation>
    </message>
    <message>
        <source>Loading {file} into the detector (the first time, exporting it for OpenVINO may take a minute)…</source>
        <translation>Загружаем {file} в детектор (в первый раз экспорт для OpenVINO может занять минуту)…</translation>
    </message>
    <message>
        <source>The detector cannot use {file}: {reason}</source>
        <translation>Детектор не может использовать {file}: {reason}</translation>
    </message>
    <message>
        <source>Detecting with {model}.</source>
        <translation>Обнаружение моделью {model}.</translation>
    </message>
</context>
<context>
    <name>DetectionDialog</name>
    <message>
        <source>Detection</source>
        <translation>Обнаружение</translation>
    </message>
</context>
<context>
    <name>DetectionPage</name>
    <message>
        <source>Without YOLO weights the console counts with OpenCV&apos;s HOG people detector: people only, and less accurate. It never downloads anything by itself; fetch a model here, or choose one you have.</source>
        <translation>Без весов YOLO консоль считает детектором людей HOG из OpenCV: только людей и менее точно. Сама она ничего не загружает; загрузите модель здесь или выберите имеющуюся.</translation>
    </message>
    <message>
        <source>Models are fetched from &lt;this address&gt;/&lt;name&gt;.pt: a mirror or a server on your network will do</source>
        <translation>Модели загружаются с &lt;этот адрес&gt;/&lt;имя&gt;.pt: подойдёт зеркало или сервер в вашей сети</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>Загрузить модель</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Откуда</translation>
    </message>
    <message>
        <source>Choose weights or ONNX file…</source>
        <translation>Выбрать файл весов или ONNX…</translation>
    </message>
    <message>
        <source>Choose OpenVINO folder…</source>
        <translation>Выбрать папку OpenVINO…</translation>
    </message>
    <message>
        <source>Or use a model on disk</source>
        <translation>Или использовать модель с диска</translation>
    </message>
    <message>
        <source> · on disk</source>
        <translation> · на диске</translation>
    </message>
    <message>
        <source>{name} (≈ {size}) — {description}</source>
        <translation>{name} (≈ {size}) — {description}</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>Использовать</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Загрузить</translation>
    </message>
    <message>
        <source>Detector: not running yet</source>
        <translation>Детектор: ещё не запущен</translation>
    </message>
    <message>
        <source>Detector: {text}</source>
        <translation>Детектор: {text}</translation>
    </message>
    <message>
        <source>This installation has no YOLO runtime (ultralytics is not installed): it can only count with HOG.</source>
        <translation>В этой установке нет среды YOLO (ultralytics не установлен): считать можно только с HOG.</translation>
    </message>
    <message>
        <source>Detection runs on the detector workers, each with its own model folder. On each detector machine run:  camcount-worker models fetch {name}  then restart the worker.</source>
        <translation>Обнаружение выполняют обработчики-детекторы, у каждого своя папка моделей. На каждой машине с детектором выполните:  camcount-worker models fetch {name}  и перезапустите обработчик.</translation>
    </message>
    <message>
        <source>Models are kept in {folder}.</source>
        <translation>Модели хранятся в {folder}.</translation>
    </message>
    <message>
        <source>YOLO weights or ONNX model</source>
        <translation>Веса YOLO или модель ONNX</translation>
    </message>
    <message>
        <source>Models (*.pt *.onnx)</source>
        <translation>Модели (*.pt *.onnx)</translation>
    </message>
    <message>
        <source>OpenVINO export folder</source>
        <translation>Папка экспорта OpenVINO</translation>
    </message>
</context>
<context>
    <name>FieldForm</name>
    <message>
        <source>use letters, digits, &apos;.&apos;, &apos;-&apos; and &apos;_&apos; only (at most 64)</source>
        <translation>только буквы, цифры, &apos;.&apos;, &apos;-&apos; и &apos;_&apos; (не больше 64)</translation>
    </message>
    <message>
        <source>write env:VARIABLE or keyring:service/username</source>
        <translation>укажите env:ПЕРЕМЕННАЯ или keyring:служба/пользователь</translation>
    </message>
    <message>
        <source>needed</source>
        <translation>обязательно</translation>
    </message>
    <message>
        <source>at most {max_length} characters</source>
        <translation>не больше {max_length} символов</translation>
    </message>
    <message>
        <source>give at least {min_length}</source>
        <translation>укажите не меньше {min_length}</translation>
    </message>
    <message>
        <source>a whole number, e.g. 10</source>
        <translation>целое число, например 10</translation>
    </message>
    <message>
        <source>a number, e.g. 2.5</source>
        <translation>число, например 2.5</translation>
    </message>
    <message>
        <source>more than {gt}</source>
        <translation>больше {gt}</translation>
    </message>
    <message>
        <source>{ge} or more</source>
        <translation>не меньше {ge}</translation>
    </message>
    <message>
        <source>less than {lt}</source>
        <translation>меньше {lt}</translation>
    </message>
    <message>
        <source>{le} at most</source>
        <translation>не больше {le}</translation>
    </message>
    <message>
        <source>one of {expected}</source>
        <translation>одно из {expected}</translation>
    </message>
</context>
<context>
    <name>HealthController</name>
    <message>
        <source>{n} counts waiting on disk for the broker, the oldest {age} s</source>
        <translation>на диске ждут брокера подсчётов: {n}, самый старый — {age} с</translation>
    </message>
    <message>
        <source>{ms} ms/frame</source>
        <translation>{ms} мс/кадр</translation>
    </message>
    <message>
        <source>(+{n} more)</source>
        <translation>(ещё {n})</translation>
    </message>
    <message>
        <source>{fps} fps</source>
        <translation>{fps} кадр/с</translation>
    </message>
    <message>
        <source>no YOLO weights</source>
        <translation>нет весов YOLO</translation>
    </message>
    <message>
        <source>YOLO unavailable</source>
        <translation>YOLO недоступен</translation>
    </message>
    <message>
        <source>HOG fallback — {why}</source>
        <translation>резервный HOG — {why}</translation>
    </message>
    <message>
        <source>HOG people detector</source>
        <translation>детектор людей HOG</translation>
    </message>
</context>
<context>
    <name>HealthView</name>
    <message>
        <source>connected</source>
        <translation>подключено</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>подключение</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>переподключение</translation>
    </message>
    <message>
        <source>down</source>
        <translation>нет связи</translation>
    </message>
    <message>
        <source>running</source>
        <translation>работает</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>запускается</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
    <message>
        <source>gone</source>
        <translation>пропал</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>отсутствует</translation>
    </message>
    <message>
        <source>camera</source>
        <translation>камеры</translation>
    </message>
    <message>
        <source>detector</source>
        <translation>детектор</translation>
    </message>
    <message>
        <source>analytics</source>
        <translation>аналитика</translation>
    </message>
    <message>
        <source>notifier</source>
        <translation>уведомления</translation>
    </message>
    <message>
        <source>alerts</source>
        <translation>тревоги</translation>
    </message>
    <message>
        <source>mqtt</source>
        <translation>mqtt</translation>
    </message>
    <message>
        <source>Broker: {state}</source>
        <translation>Брокер: {state}</translation>
    </message>
    <message>
        <source>Click to fetch or choose a YOLO model</source>
        <translation>Щёлкните, чтобы загрузить или выбрать модель YOLO</translation>
    </message>
    <message>
        <source>Detector: {what}</source>
        <translation>Детектор: {what}</translation>
    </message>
    <message>
        <source>Detector: missing</source>
        <translation>Детектор: отсутствует</translation>
    </message>
    <message>
        <source>Detector: loading…</source>
        <translation>Детектор: загрузка…</translation>
    </message>
    <message>
        <source>Detector: waiting for a heartbeat</source>
        <translation>Детектор: ждём сигнала активности</translation>
    </message>
    <message>
        <source>workers say they run every few seconds</source>
        <translation>обработчики сообщают о работе каждые несколько секунд</translation>
    </message>
    <message>
        <source>Detector: none running</source>
        <translation>Детектор: ни один не работает</translation>
    </message>
    <message>
        <source>last heartbeat {n} s ago</source>
        <translation>последний сигнал активности {n} с назад</translation>
    </message>
    <message>
        <source>{role}: {n} counts waiting</source>
        <translation>{role}: ждут отправки {n}</translation>
    </message>
    <message>
        <source>cannot send to {targets}</source>
        <translation>не может отправлять: {targets}</translation>
    </message>
    <message>
        <source>refuses to publish frames (strict privacy)</source>
        <translation>отказывается публиковать кадры (строгая приватность)</translation>
    </message>
    <message>
        <source>Right-click to forget it (restarted under another name, or retired)</source>
        <translation>Щёлкните правой кнопкой, чтобы забыть его (перезапущен под другим именем или выведен из работы)</translation>
    </message>
    <message>
        <source>Forget {worker}</source>
        <translation>Забыть {worker}</translation>
    </message>
</context>
<context>
    <name>HeatmapPanel</name>
    <message>
        <source>Where people walk (visits per cell)</source>
        <translation>Где ходят люди (посещений на клетку)</translation>
    </message>
    <message>
        <source>Where people stand longest (time per cell)</source>
        <translation>Где люди стоят дольше всего (время на клетку)</translation>
    </message>
    <message>
        <source>Choose a camera and days, then Show.</source>
        <translation>Выберите камеру и дни, затем «Показать».</translation>
    </message>
    <message>
        <source>Asking for the heatmap of {camera}…</source>
        <translation>Запрашиваем тепловую карту {camera}…</translation>
    </message>
    <message>
        <source>Nothing from {camera} in {span} yet: the detectors send where people walked every 5 minutes.</source>
        <translation>Пока ничего от {camera} за {span}: детекторы присылают, где ходили люди, раз в 5 минут.</translation>
    </message>
    <message>
        <source>No one was seen on {camera} in {span}.</source>
        <translation>На {camera} за {span} никого не было.</translation>
    </message>
    <message>
        <source>Heatmap of {camera}, {span}: {hours} hour(s) with data.</source>
        <translation>Тепловая карта {camera}, {span}: часов с данными: {hours}.</translation>
    </message>
    <message>
        <source>Nothing in this period.</source>
        <translation>За этот период ничего нет.</translation>
    </message>
    <message>
        <source>Longest stays: {seconds:.0f} s in one cell (column {col}, row {row} of {cols}x{rows}); {total:.0f} s in all.</source>
        <translation>Дольше всего: {seconds:.0f} с в одной клетке (столбец {col}, строка {row} из {cols}x{rows}); всего {total:.0f} с.</translation>
    </message>
    <message>
        <source>Busiest cell: {n} visit(s) (column {col}, row {row} of {cols}x{rows}); {total} visits in all.</source>
        <translation>Самая посещаемая клетка: {n} посещ. (столбец {col}, строка {row} из {cols}x{rows}); всего {total}.</translation>
    </message>
</context>
<context>
    <name>LocalRuntime</name>
    <message>
        <source>not available in this installation: {why}</source>
        <translation>недоступно в этой установке: {why}</translation>
    </message>
    <message>
        <source>failed to start: {why}</source>
        <translation>не запустился: {why}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>local mode</source>
        <translation>локальный режим</translation>
    </message>
    <message>
        <source>CamCount — {mode}</source>
        <translation>CamCount — {mode}</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>Камеры</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>Тревога</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>Тревоги</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>Очереди</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>Необработанные сообщения</translation>
    </message>
    <message>
        <source>Panels</source>
        <translation>Панели</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Настройки…</translation>
    </message>
    <message>
        <source>&amp;Detection settings…</source>
        <translation>Настройки &amp;обнаружения…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Выход</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Вид</translation>
    </message>
    <message>
        <source>Wall</source>
        <translation>Видеостена</translation>
    </message>
    <message>
        <source>{tiles} tiles (Ctrl+{n})</source>
        <translation>{tiles} ячеек (Ctrl+{n})</translation>
    </message>
    <message>
        <source>Boxes and track ids</source>
        <translation>Рамки и номера треков</translation>
    </message>
    <message>
        <source>Latency in tile headers</source>
        <translation>Задержка в заголовках ячеек</translation>
    </message>
    <message>
        <source>How old each camera&apos;s picture is when it is shown: from the camera to the screen, with its boxes</source>
        <translation>Насколько старым изображение камеры попадает на экран: от камеры до экрана, вместе с рамками</translation>
    </message>
    <message>
        <source>Full-screen window</source>
        <translation>Окно во весь экран</translation>
    </message>
    <message>
        <source>Sound for critical alerts</source>
        <translation>Звук для критических тревог</translation>
    </message>
    <message>
        <source>&amp;Analytics…</source>
        <translation>&amp;Аналитика…</translation>
    </message>
    <message>
        <source>Double-click or F: tile full screen · Esc: back · drag cameras onto tiles</source>
        <translation>Двойной щелчок или F: ячейка на весь экран · Esc: назад · перетащите камеру на ячейку</translation>
    </message>
    <message>
        <source>Alerts ({n})</source>
        <translation>Тревоги ({n})</translation>
    </message>
    <message>
        <source>1 unacknowledged alert</source>
        <translation>1 неподтверждённая тревога</translation>
    </message>
    <message>
        <source>{n} unacknowledged alerts</source>
        <translation>Неподтверждённых тревог: {n}</translation>
    </message>
    <message>
        <source>The new language applies the next time the console starts</source>
        <translation>Новый язык будет применён при следующем запуске консоли</translation>
    </message>
    <message>
        <source>Shutting down…</source>
        <translation>Завершение работы…</translation>
    </message>
</context>
<context>
    <name>OccupancyForm</name>
    <message>
        <source>Reset daily at</source>
        <translation>Сбрасывать ежедневно в</translation>
    </message>
    <message>
        <source>Never below zero</source>
        <translation>Не меньше нуля</translation>
    </message>
    <message>
        <source> min</source>
        <translation> мин</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>не задано</translation>
    </message>
    <message>
        <source>The average visit: given, analytics keeps an occupancy corrected by it (Little&apos;s law) beside the counted one</source>
        <translation>Средняя длительность визита: если задана, аналитика ведёт рядом с подсчитанной заполненностью скорректированную по ней (закон Литтла)</translation>
    </message>
    <message>
        <source>Average visit</source>
        <translation>Средний визит</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <source>{n} inside</source>
        <translation>внутри: {n}</translation>
    </message>
    <message>
        <source>in {n_in} · out {n_out}</source>
        <translation>вход {n_in} · выход {n_out}</translation>
    </message>
</context>
<context>
    <name>PickList</name>
    <message>
        <source>{id} (not known now)</source>
        <translation>{id} (сейчас неизвестна)</translation>
    </message>
</context>
<context>
    <name>QueuesController</name>
    <message>
        <source>FULL ({n} messages): the broker refuses new ones; their producers keep them until this queue drains</source>
        <translation>ПЕРЕПОЛНЕНА ({n} сообщений): брокер не принимает новые; отправители держат их у себя, пока очередь не освободится</translation>
    </message>
    <message>
        <source>{share} of its {n}-message capacity: its consumer is behind or stopped</source>
        <translation>{share} от ёмкости в {n} сообщений: обработчик отстаёт или остановлен</translation>
    </message>
    <message>
        <source>more than {n} messages waiting</source>
        <translation>ожидает больше {n} сообщений</translation>
    </message>
    <message>
        <source>queue depths unavailable: {why}</source>
        <translation>глубина очередей недоступна: {why}</translation>
    </message>
    <message>
        <source>no message rates (broker HTTP API unavailable: {why})</source>
        <translation>нет скорости сообщений (HTTP API брокера недоступен: {why})</translation>
    </message>
</context>
<context>
    <name>QueuesView</name>
    <message>
        <source>queue</source>
        <translation>очередь</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>готово</translation>
    </message>
    <message>
        <source>unacked</source>
        <translation>не подтв.</translation>
    </message>
    <message>
        <source>consumers</source>
        <translation>потребители</translation>
    </message>
    <message>
        <source>in/s</source>
        <translation>вход/с</translation>
    </message>
    <message>
        <source>out/s</source>
        <translation>выход/с</translation>
    </message>
    <message>
        <source>each queue&apos;s colour is its line in the charts</source>
        <translation>цвет очереди — цвет её линии на графиках</translation>
    </message>
    <message>
        <source>Ready messages</source>
        <translation>Готовые сообщения</translation>
    </message>
    <message>
        <source>Unacked messages</source>
        <translation>Неподтверждённые сообщения</translation>
    </message>
    <message>
        <source>seconds ago</source>
        <translation>секунд назад</translation>
    </message>
    <message>
        <source>warn {n}</source>
        <translation>порог {n}</translation>
    </message>
</context>
<context>
    <name>ReportsController</name>
    <message>
        <source>sent; waiting for an analytics worker</source>
        <translation>отправлено; ждём обработчик аналитики</translation>
    </message>
    <message>
        <source>not sent: this account may not request reports (that is for admin accounts); it may read the charts above. Ask an admin, or connect with an admin account.</source>
        <translation>не отправлено: этой учётной записи нельзя заказывать отчёты (это для администраторов); графики выше ей доступны. Обратитесь к администратору или подключитесь под учётной записью администратора.</translation>
    </message>
    <message>
        <source>not sent: {why}</source>
        <translation>не отправлено: {why}</translation>
    </message>
    <message>
        <source>no analytics worker has taken it after {seconds} s; it waits in the report queue until one runs</source>
        <translation>за {seconds} с ни один обработчик аналитики его не взял; он ждёт в очереди отчётов, пока обработчик не запустится</translation>
    </message>
</context>
<context>
    <name>ReportsPanel</name>
    <message>
        <source>Daily summary (last day chosen)</source>
        <translation>Сводка за день (последний выбранный день)</translation>
    </message>
    <message>
        <source>Weekly summary (its week)</source>
        <translation>Сводка за неделю (её неделя)</translation>
    </message>
    <message>
        <source>Monthly summary (its month)</source>
        <translation>Сводка за месяц (её месяц)</translation>
    </message>
    <message>
        <source>Custom (the days chosen)</source>
        <translation>Произвольный (выбранные дни)</translation>
    </message>
    <message>
        <source>daily summary</source>
        <translation>сводка за день</translation>
    </message>
    <message>
        <source>weekly summary</source>
        <translation>сводка за неделю</translation>
    </message>
    <message>
        <source>monthly summary</source>
        <translation>сводка за месяц</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>произвольный отчёт</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Отчёт</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>Камеры</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Период</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Ход выполнения</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Отчёты</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>This camera</source>
        <translation>Эта камера</translation>
    </message>
    <message>
        <source>All cameras</source>
        <translation>Все камеры</translation>
    </message>
    <message>
        <source>Request report</source>
        <translation>Заказать отчёт</translation>
    </message>
    <message>
        <source>done; stored on the analytics server at {path}</source>
        <translation>готово; сохранено на сервере аналитики: {path}</translation>
    </message>
    <message>
        <source>failed: {why}</source>
        <translation>ошибка: {why}</translation>
    </message>
</context>
<context>
    <name>RequestFailed</name>
    <message>
        <source>Cannot ask for that: {reasons}</source>
        <translation>Такой запрос невозможен: {reasons}</translation>
    </message>
</context>
<context>
    <name>RouteDialog</name>
    <message>
        <source>Add route</source>
        <translation>Добавить маршрут</translation>
    </message>
    <message>
        <source>Edit route</source>
        <translation>Изменить маршрут</translation>
    </message>
    <message>
        <source>e.g. Platform to exit</source>
        <translation>например, Платформа — выход</translation>
    </message>
    <message>
        <source>either way</source>
        <translation>в любую сторону</translation>
    </message>
    <message>
        <source>in / entry</source>
        <translation>вход / вход в зону</translation>
    </message>
    <message>
        <source>out / exit</source>
        <translation>выход / выход из зоны</translation>
    </message>
    <message>
        <source>Add step</source>
        <translation>Добавить шаг</translation>
    </message>
    <message>
        <source>Remove step</source>
        <translation>Удалить шаг</translation>
    </message>
    <message>
        <source>Removes the selected step, or the last one</source>
        <translation>Удаляет выбранный шаг или последний</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>Выше</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>Ниже</translation>
    </message>
    <message>
        <source>every class the detector reports</source>
        <translation>все классы, которые сообщает детектор</translation>
    </message>
    <message>
        <source>COCO class names, comma-separated (person, car, …)</source>
        <translation>Названия классов COCO через запятую (person, car, …)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>Следующий шаг</translation>
    </message>
    <message>
        <source>Steps, in order</source>
        <translation>Шаги по порядку</translation>
    </message>
    <message>
        <source>Last step within</source>
        <translation>Последний шаг в пределах</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Классы</translation>
    </message>
    <message>
        <source>A route needs at least two steps: where people come from and where they go</source>
        <translation>В маршруте нужно не меньше двух шагов: откуда люди приходят и куда уходят</translation>
    </message>
</context>
<context>
    <name>RouteFlowChart</name>
    <message>
        <source>No route completed</source>
        <translation>Ни один маршрут не пройден</translation>
    </message>
</context>
<context>
    <name>RoutePanel</name>
    <message>
        <source>Add route…</source>
        <translation>Добавить маршрут…</translation>
    </message>
    <message>
        <source>People who pass these lines or zones in this order, e.g. in by door A and out by door B</source>
        <translation>Люди, проходящие эти линии или зоны в этом порядке, например вход через дверь A и выход через дверь B</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Изменить…</translation>
    </message>
    <message>
        <source>Change the selected route (or double-click it)</source>
        <translation>Изменить выбранный маршрут (или дважды щёлкните по нему)</translation>
    </message>
    <message>
        <source>Delete route</source>
        <translation>Удалить маршрут</translation>
    </message>
    <message>
        <source>Routes (origin → destination)</source>
        <translation>Маршруты (откуда → куда)</translation>
    </message>
    <message>
        <source>within {s:g} s</source>
        <translation>в пределах {s:g} с</translation>
    </message>
    <message>
        <source>{within}; counts {classes}</source>
        <translation>{within}; считает {classes}</translation>
    </message>
    <message>
        <source>in</source>
        <translation>вход</translation>
    </message>
    <message>
        <source>out</source>
        <translation>выход</translation>
    </message>
</context>
<context>
    <name>RoutesPanel</name>
    <message>
        <source>Routes (origin → destination): people · mean transit</source>
        <translation>Маршруты (откуда → куда): люди · среднее время в пути</translation>
    </message>
    <message>
        <source>to {name}</source>
        <translation>к {name}</translation>
    </message>
    <message>
        <source>from {name}</source>
        <translation>от {name}</translation>
    </message>
    <message>
        <source>No route was completed in this span (routes are drawn in the zone editor).</source>
        <translation>За этот период ни один маршрут не пройден (маршруты задаются в редакторе зон).</translation>
    </message>
    <message>
        <source>{name}: {n} people, {t:.1f} s on average</source>
        <translation>{name}: людей {n}, в среднем {t:.1f} с</translation>
    </message>
    <message>
        <source>{n} · {t:.1f} s</source>
        <translation>{n} · {t:.1f} с</translation>
    </message>
</context>
<context>
    <name>RuleForm</name>
    <message>
        <source>Zone occupancy</source>
        <translation>Заполненность зоны</translation>
    </message>
    <message>
        <source>Site occupancy</source>
        <translation>Заполненность объекта</translation>
    </message>
    <message>
        <source>Line crossings</source>
        <translation>Пересечения линии</translation>
    </message>
    <message>
        <source>Camera offline</source>
        <translation>Камера не в сети</translation>
    </message>
    <message>
        <source>Worker silent</source>
        <translation>Обработчик молчит</translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation>Глубина очереди</translation>
    </message>
    <message>
        <source>Error queue growing</source>
        <translation>Рост очереди ошибок</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Маршрут</translation>
    </message>
    <message>
        <source>Edit rule {rule}</source>
        <translation>Изменить правило {rule}</translation>
    </message>
    <message>
        <source>Add alert rule</source>
        <translation>Добавить правило тревоги</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Включено</translation>
    </message>
    <message>
        <source>info</source>
        <translation>информация</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>предупреждение</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>критическая</translation>
    </message>
    <message>
        <source>both</source>
        <translation>оба</translation>
    </message>
    <message>
        <source>in</source>
        <translation>вход</translation>
    </message>
    <message>
        <source>out</source>
        <translation>выход</translation>
    </message>
    <message>
        <source>no cameras known yet</source>
        <translation>камеры пока неизвестны</translation>
    </message>
    <message>
        <source>the picked cameras have no zones</source>
        <translation>у выбранных камер нет зон</translation>
    </message>
    <message>
        <source>the picked cameras have no lines</source>
        <translation>у выбранных камер нет линий</translation>
    </message>
    <message>
        <source>the picked cameras have no routes</source>
        <translation>у выбранных камер нет маршрутов</translation>
    </message>
    <message>
        <source>no sites yet: add them in Admin → Sites…</source>
        <translation>объектов пока нет: добавьте их в Администрирование → Объекты…</translation>
    </message>
    <message>
        <source>Also tell the targets when it is resolved</source>
        <translation>Сообщать получателям и о завершении</translation>
    </message>
    <message>
        <source>Rule id</source>
        <translation>ID правила</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Важность</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>Камеры</translation>
    </message>
    <message>
        <source>none ticked: every camera</source>
        <translation>ничего не отмечено — все камеры</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every zone</source>
        <translation>отмеченных камер; ничего не отмечено — все зоны</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every line</source>
        <translation>отмеченных камер; ничего не отмечено — все линии</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>Маршруты</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every route</source>
        <translation>отмеченных камер; ничего не отмечено — все маршруты</translation>
    </message>
    <message>
        <source>Zones</source>
        <translation>Зоны</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>Линии</translation>
    </message>
    <message>
        <source>Sites</source>
        <translation>Объекты</translation>
    </message>
    <message>
        <source>none ticked: every site</source>
        <translation>ничего не отмечено: все объекты</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Направление</translation>
    </message>
    <message>
        <source>Worker roles</source>
        <translation>Роли обработчиков</translation>
    </message>
    <message>
        <source>e.g. detector, camera; empty: all</source>
        <translation>например detector, camera; пусто — все</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>Очереди</translation>
    </message>
    <message>
        <source>e.g. camera.detection.results</source>
        <translation>например camera.detection.results</translation>
    </message>
    <message>
        <source>More than</source>
        <translation>Больше</translation>
    </message>
    <message>
        <source>Fewer than</source>
        <translation>Меньше</translation>
    </message>
    <message>
        <source>Grown by at least</source>
        <translation>Выросла не меньше чем на</translation>
    </message>
    <message>
        <source>Within (s)</source>
        <translation>За (с)</translation>
    </message>
    <message>
        <source>For at least T (s)</source>
        <translation>Не меньше T (с)</translation>
    </message>
    <message>
        <source>a shorter blip raises nothing</source>
        <translation>более короткий всплеск тревогу не вызывает</translation>
    </message>
    <message>
        <source>Hysteresis (people)</source>
        <translation>Гистерезис (человек)</translation>
    </message>
    <message>
        <source>once raised, over only at &apos;More than&apos; minus this, or fewer</source>
        <translation>после тревоги она завершается, только когда людей не больше «Больше» минус это число</translation>
    </message>
    <message>
        <source>No data after (s)</source>
        <translation>Нет данных дольше (с)</translation>
    </message>
    <message>
        <source>Cooldown (s)</source>
        <translation>Пауза (с)</translation>
    </message>
    <message>
        <source>after an alert, none for the same subject within this time</source>
        <translation>после тревоги по тому же объекту новая не поднимается в течение этого времени</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>Уведомлять</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Local mode: workers inside the console, sample video</source>
        <translation>Локальный режим: обработчики внутри консоли, демонстрационное видео</translation>
    </message>
    <message>
        <source>RabbitMQ broker</source>
        <translation>Брокер RabbitMQ</translation>
    </message>
    <message>
        <source>amqp://user@host:5672/vhost  or  amqps://…</source>
        <translation>amqp://user@host:5672/vhost  или  amqps://…</translation>
    </message>
    <message>
        <source>The password comes from the URL, ${variable} or the OS keyring (service “{service}”); it is never saved in the settings.</source>
        <translation>Пароль берётся из URL, ${variable} или хранилища ключей ОС (служба «{service}»); в настройках он не сохраняется.</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <source>Applies the next time the console starts</source>
        <translation>Применяется при следующем запуске консоли</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
</context>
<context>
    <name>SettingsForm</name>
    <message>
        <source>where the notifier finds it: env:VARIABLE or keyring:service/username on its machine, never the password itself; empty: no login</source>
        <translation>где его найдёт обработчик уведомлений: env:ПЕРЕМЕННАЯ или keyring:служба/пользователь на его машине, но не сам пароль; пусто — без входа</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Часовой пояс</translation>
    </message>
    <message>
        <source>Language of reports and notifications</source>
        <translation>Язык отчётов и уведомлений</translation>
    </message>
    <message>
        <source>none</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>SMTP server</source>
        <translation>Сервер SMTP</translation>
    </message>
    <message>
        <source>none: email cannot be sent</source>
        <translation>нет: письма отправлять нельзя</translation>
    </message>
    <message>
        <source>SMTP login</source>
        <translation>Вход SMTP</translation>
    </message>
    <message>
        <source>SMTP password</source>
        <translation>Пароль SMTP</translation>
    </message>
    <message>
        <source>Sender</source>
        <translation>Отправитель</translation>
    </message>
    <message>
        <source>SMTP timeout</source>
        <translation>Тайм-аут SMTP</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n} с</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>Файл CA</translation>
    </message>
    <message>
        <source>the system&apos;s</source>
        <translation>системный</translation>
    </message>
    <message>
        <source>All {channel} sends</source>
        <translation>Все отправки {channel}</translation>
    </message>
    <message>
        <source>at most {limit}</source>
        <translation>не больше {limit}</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>без ограничений</translation>
    </message>
    <message>
        <source>Circuit breaker</source>
        <translation>Автоотключение</translation>
    </message>
    <message>
        <source>pause a target after {n} failed sends in a row, for {seconds} s</source>
        <translation>приостанавливать получателя после {n} ошибок подряд на {seconds} с</translation>
    </message>
    <message>
        <source>Site settings</source>
        <translation>Настройки объекта</translation>
    </message>
    <message>
        <source>Send email through an SMTP server</source>
        <translation>Отправлять письма через сервер SMTP</translation>
    </message>
    <message>
        <source>times in emails, and the hour of scheduled reports</source>
        <translation>время в письмах и час отчётов по расписанию</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>of emails, webhook texts and reports</source>
        <translation>писем, текстов вебхуков и отчётов</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Порт</translation>
    </message>
    <message>
        <source>587 with STARTTLS, 465 with TLS</source>
        <translation>587 для STARTTLS, 465 для TLS</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Защита</translation>
    </message>
    <message>
        <source>starttls: upgraded plain connection; tls: TLS from the start; none: loopback only</source>
        <translation>starttls: защита обычного соединения; tls: TLS с самого начала; none: только для loopback</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Логин</translation>
    </message>
    <message>
        <source>empty: no login</source>
        <translation>пусто — без входа</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>Тайм-аут (с)</translation>
    </message>
    <message>
        <source>a site&apos;s own CA bundle on the notifier&apos;s machine; empty: the system&apos;s</source>
        <translation>собственный набор CA объекта на машине обработчика уведомлений; пусто — системный</translation>
    </message>
    <message>
        <source>All {channel}: at most</source>
        <translation>Все {channel}: не больше</translation>
    </message>
    <message>
        <source>sends over all targets (empty: no limit)</source>
        <translation>отправок всем получателям (пусто — без ограничений)</translation>
    </message>
    <message>
        <source>per (s)</source>
        <translation>за (с)</translation>
    </message>
    <message>
        <source>Pause a target after</source>
        <translation>Приостановить получателя после</translation>
    </message>
    <message>
        <source>failed sends in a row</source>
        <translation>ошибок отправки подряд</translation>
    </message>
    <message>
        <source>for (s)</source>
        <translation>на (с)</translation>
    </message>
    <message>
        <source>then one probe is let through; its success resumes the target</source>
        <translation>затем пропускается одна пробная отправка; если она удалась, получатель снова активен</translation>
    </message>
    <message>
        <source>The notifier says: {problem}</source>
        <translation>Обработчик уведомлений сообщает: {problem}</translation>
    </message>
</context>
<context>
    <name>SiteEditor</name>
    <message>
        <source>Sites</source>
        <translation>Объекты</translation>
    </message>
    <message>
        <source>Add site</source>
        <translation>Добавить объект</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>e.g. Shop floor</source>
        <translation>напр. Торговый зал</translation>
    </message>
    <message>
        <source>the cameras have no lines</source>
        <translation>у камер нет линий</translation>
    </message>
    <message>
        <source>the cameras have no zones</source>
        <translation>у камер нет зон</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>без ограничения</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Site id</source>
        <translation>ID объекта</translation>
    </message>
    <message>
        <source>Doors</source>
        <translation>Входы</translation>
    </message>
    <message>
        <source>a line of a camera, and which way across it enters the site</source>
        <translation>линия камеры и направление её пересечения, которое означает вход на объект</translation>
    </message>
    <message>
        <source>Zones</source>
        <translation>Зоны</translation>
    </message>
    <message>
        <source>people in these zones are inside the site too</source>
        <translation>люди в этих зонах тоже считаются внутри объекта</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>Заполненность</translation>
    </message>
    <message>
        <source>Maximum occupancy</source>
        <translation>Максимальная заполненность</translation>
    </message>
    <message>
        <source>the limit the site&apos;s alert rules use unless they set their own</source>
        <translation>предел, который используют правила оповещений объекта, если не задают свой</translation>
    </message>
    <message>
        <source>Save site</source>
        <translation>Сохранить объект</translation>
    </message>
    <message>
        <source>{line} on {camera}: its &apos;{way}&apos; crossing enters</source>
        <translation>{line} на {camera}: пересечение «{way}» — вход</translation>
    </message>
    <message>
        <source>{zone} on {camera}</source>
        <translation>{zone} на {camera}</translation>
    </message>
    <message>
        <source>Correct the fields marked in red</source>
        <translation>Исправьте поля, отмеченные красным</translation>
    </message>
    <message>
        <source>Delete site</source>
        <translation>Удалить объект</translation>
    </message>
    <message>
        <source>Delete the site {name}? Its alert rules no longer watch it.</source>
        <translation>Удалить объект {name}? Правила оповещений больше не будут за ним следить.</translation>
    </message>
</context>
<context>
    <name>SitesController</name>
    <message>
        <source>The sites could not be read: {why}</source>
        <translation>Не удалось прочитать объекты: {why}</translation>
    </message>
    <message>
        <source>Not saved: {why}</source>
        <translation>Не сохранено: {why}</translation>
    </message>
    <message>
        <source>Site {name} saved.</source>
        <translation>Объект {name} сохранён.</translation>
    </message>
    <message>
        <source>Not deleted: {why}</source>
        <translation>Не удалено: {why}</translation>
    </message>
</context>
<context>
    <name>TargetForm</name>
    <message>
        <source>Where the notifier finds the HMAC signing key: env:VARIABLE (an environment variable of the notifier) or keyring:service/username (its OS keyring). The key stays on the notifier&apos;s machine; it is never sent or shown.</source>
        <translation>Где обработчик уведомлений найдёт ключ подписи HMAC: env:ПЕРЕМЕННАЯ (переменная окружения обработчика) или keyring:служба/пользователь (хранилище ключей его ОС). Ключ остаётся на машине обработчика; он никогда не передаётся и не показывается.</translation>
    </message>
    <message>
        <source>Edit target {target}</source>
        <translation>Изменить получателя {target}</translation>
    </message>
    <message>
        <source>Add notification target</source>
        <translation>Добавить получателя уведомлений</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>без ограничений</translation>
    </message>
    <message>
        <source>Target id</source>
        <translation>ID получателя</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Канал</translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation>Адресаты</translation>
    </message>
    <message>
        <source>email addresses, comma-separated</source>
        <translation>адреса электронной почты через запятую</translation>
    </message>
    <message>
        <source>Cc</source>
        <translation>Копия</translation>
    </message>
    <message>
        <source>Webhook URL</source>
        <translation>URL вебхука</translation>
    </message>
    <message>
        <source>Signing secret</source>
        <translation>Секрет подписи</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>Тайм-аут (с)</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Попытки</translation>
    </message>
    <message>
        <source>Rate limit: at most</source>
        <translation>Ограничение: не больше</translation>
    </message>
    <message>
        <source>sends (empty: no limit)</source>
        <translation>отправок (пусто — без ограничений)</translation>
    </message>
    <message>
        <source>per (s)</source>
        <translation>за (с)</translation>
    </message>
    <message>
        <source>The notifier says: {problem}</source>
        <translation>Обработчик уведомлений сообщает: {problem}</translation>
    </message>
</context>
<context>
    <name>TileView</name>
    <message>
        <source>Drop a camera here</source>
        <translation>Перетащите сюда камеру</translation>
    </message>
    <message>
        <source>NO SIGNAL</source>
        <translation>НЕТ СИГНАЛА</translation>
    </message>
    <message>
        <source>RECONNECTING…</source>
        <translation>ПЕРЕПОДКЛЮЧЕНИЕ…</translation>
    </message>
    <message>
        <source>Waiting for the first frame…</source>
        <translation>Ожидание первого кадра…</translation>
    </message>
    <message>
        <source>NO CAMERA WORKER</source>
        <translation>НЕТ ОБРАБОТЧИКА КАМЕР</translation>
    </message>
    <message>
        <source>last frame {time} ({ago} ago)</source>
        <translation>последний кадр в {time} ({ago} назад)</translation>
    </message>
    <message>
        <source>no frame received yet</source>
        <translation>кадров пока не было</translation>
    </message>
    <message>
        <source>{fps} fps</source>
        <translation>{fps} кадр/с</translation>
    </message>
    <message>
        <source>RECONNECTING</source>
        <translation>ПЕРЕПОДКЛЮЧЕНИЕ</translation>
    </message>
    <message>
        <source>WAITING</source>
        <translation>ОЖИДАНИЕ</translation>
    </message>
    <message>
        <source>latency {ms} ms</source>
        <translation>задержка {ms} мс</translation>
    </message>
    <message>
        <source>latency –</source>
        <translation>задержка –</translation>
    </message>
    <message>
        <source>in {n_in} · out {n_out}</source>
        <translation>вход {n_in} · выход {n_out}</translation>
    </message>
    <message>
        <source>no detection results yet</source>
        <translation>результатов обнаружения пока нет</translation>
    </message>
    <message>
        <source>no detection results for {n} s: is a detector running?</source>
        <translation>нет результатов обнаружения уже {n} с: работает ли детектор?</translation>
    </message>
    <message>
        <source>FACES SHOWN · this view is logged</source>
        <translation>ЛИЦА ПОКАЗАНЫ · просмотр записывается</translation>
    </message>
    <message>
        <source>people hidden</source>
        <translation>люди скрыты</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n} с</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} мин</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n} ч</translation>
    </message>
</context>
<context>
    <name>WallController</name>
    <message>
        <source>Heatmap: asking analytics…</source>
        <translation>Тепловая карта: запрос к аналитике…</translation>
    </message>
</context>
<context>
    <name>WallView</name>
    <message>
        <source>Back to the wall</source>
        <translation>Назад к видеостене</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Во весь экран</translation>
    </message>
    <message>
        <source>Remove from the wall</source>
        <translation>Убрать с видеостены</translation>
    </message>
    <message>
        <source>Heatmap (last 24 h)</source>
        <translation>Тепловая карта (последние 24 ч)</translation>
    </message>
    <message>
        <source>Show faces (each view is logged)</source>
        <translation>Показать лица (каждый просмотр записывается)</translation>
    </message>
</context>
<context>
    <name>ZoneCanvas</name>
    <message>
        <source>Drag corners or shapes · double-click an edge to add a corner · click an arrow to flip in/out · right-click to delete · wheel zooms</source>
        <translation>Перетаскивайте углы или фигуры · двойной щелчок по стороне добавляет угол · щелчок по стрелке меняет вход/выход · правый щелчок удаляет · колесо масштабирует</translation>
    </message>
    <message>
        <source>Click the line&apos;s two ends; the arrow shows which way is &quot;in&quot;</source>
        <translation>Щёлкните два конца линии; стрелка показывает направление «вход»</translation>
    </message>
    <message>
        <source>Click the corners; click the first corner again, double-click or press Enter to close · Esc cancels</source>
        <translation>Щёлкайте углы; чтобы замкнуть, щёлкните первый угол, дважды щёлкните или нажмите Enter · Esc — отмена</translation>
    </message>
    <message>
        <source>Delete corner</source>
        <translation>Удалить угол</translation>
    </message>
    <message>
        <source>Flip in/out</source>
        <translation>Поменять вход/выход</translation>
    </message>
    <message>
        <source>Delete line “{name}”</source>
        <translation>Удалить линию «{name}»</translation>
    </message>
    <message>
        <source>Delete zone “{name}”</source>
        <translation>Удалить зону «{name}»</translation>
    </message>
    <message>
        <source>Click the corners of a region to hide in every picture (it counts nothing); click the first corner again, double-click or press Enter to close · Esc cancels</source>
        <translation>Щёлкайте углы области, скрытой на всех изображениях (она ничего не считает); чтобы замкнуть, щёлкните первый угол, дважды щёлкните или нажмите Enter · Esc — отмена</translation>
    </message>
    <message>
        <source>Delete privacy mask “{name}”</source>
        <translation>Удалить маску приватности «{name}»</translation>
    </message>
    <message>
        <source>No picture from this camera: drawing on a blank {width}×{height} frame</source>
        <translation>От этой камеры нет изображения: рисование на пустом кадре {width}×{height}</translation>
    </message>
    <message>
        <source>in</source>
        <translation>вход</translation>
    </message>
</context>
<context>
    <name>ZoneEditor</name>
    <message>
        <source>Zones of {camera} — CamCount</source>
        <translation>Зоны камеры {camera} — CamCount</translation>
    </message>
    <message>
        <source>every class the detector reports</source>
        <translation>все классы, которые выдаёт детектор</translation>
    </message>
    <message>
        <source>COCO class names, comma-separated (person, car, …)</source>
        <translation>имена классов COCO через запятую (person, car, …)</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>Цвет…</translation>
    </message>
    <message>
        <source>Flip in/out</source>
        <translation>Поменять вход/выход</translation>
    </message>
    <message>
        <source>Delete shape</source>
        <translation>Удалить фигуру</translation>
    </message>
    <message>
        <source>Delete the routes too?</source>
        <translation>Удалить и маршруты?</translation>
    </message>
    <message>
        <source>Delete with its routes</source>
        <translation>Удалить вместе с маршрутами</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <source>Load stored zones</source>
        <translation>Загрузить сохранённые зоны</translation>
    </message>
    <message>
        <source>Ask the analytics worker for the stored version and draw on it</source>
        <translation>Запросить у обработчика аналитики сохранённую версию и рисовать поверх неё</translation>
    </message>
    <message>
        <source>Lines and zones</source>
        <translation>Линии и зоны</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Классы</translation>
    </message>
    <message>
        <source>Freezing the camera&apos;s picture…</source>
        <translation>Фиксируем кадр камеры…</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>Выбор</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>Линия</translation>
    </message>
    <message>
        <source>Zone</source>
        <translation>Зона</translation>
    </message>
    <message>
        <source>Privacy mask</source>
        <translation>Маска приватности</translation>
    </message>
    <message>
        <source>Privacy mask (M): a region always hidden in every picture; it counts nothing</source>
        <translation>Маска приватности (M): область, всегда скрытая на всех изображениях; ничего не считает</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Увеличить</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Уменьшить</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>По размеру</translation>
    </message>
    <message>
        <source>New frame</source>
        <translation>Новый кадр</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>Импорт…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Экспорт…</translation>
    </message>
    <message>
        <source>No new frame from the camera; keeping the old one</source>
        <translation>Нового кадра от камеры нет; остаётся прежний</translation>
    </message>
    <message>
        <source>The camera now sends {width}×{height} frames; reopen the editor to draw on them</source>
        <translation>Камера теперь присылает кадры {width}×{height}; откройте редактор заново, чтобы рисовать на них</translation>
    </message>
    <message>
        <source>Save version {version}</source>
        <translation>Сохранить версию {version}</translation>
    </message>
    <message>
        <source>Save (stored version unknown)</source>
        <translation>Сохранить (сохранённая версия неизвестна)</translation>
    </message>
    <message>
        <source>The analytics worker did not say which version is stored: “Load stored zones” asks again</source>
        <translation>Обработчик аналитики не сообщил, какая версия сохранена: «Загрузить сохранённые зоны» спросит снова</translation>
    </message>
    <message>
        <source>Fix the shapes marked in red first</source>
        <translation>Сначала исправьте фигуры, выделенные красным</translation>
    </message>
    <message>
        <source>Store these lines and zones as the next version; the detectors count with it once stored</source>
        <translation>Сохранить эти линии и зоны как следующую версию; детекторы начнут считать по ней после сохранения</translation>
    </message>
    <message>
        <source>Colour of {shape}</source>
        <translation>Цвет: {shape}</translation>
    </message>
    <message>
        <source>{shape} is a step of these routes:
{routes}

Deleting it deletes them too (one Undo brings all back).</source>
        <translation>{shape} — шаг этих маршрутов:
{routes}

При удалении удалятся и они (одна отмена вернёт всё).</translation>
    </message>
    <message>
        <source>Deleted {shape} and the routes {routes}; Undo brings them back</source>
        <translation>Удалены {shape} и маршруты {routes}; отмена вернёт их</translation>
    </message>
    <message>
        <source>Not exported: {reason}</source>
        <translation>Не экспортировано: {reason}</translation>
    </message>
    <message>
        <source>Exported to {path} (count-video --zones reads it)</source>
        <translation>Экспортировано в {path} (его читает count-video --zones)</translation>
    </message>
    <message>
        <source>Not imported from {file}: {reason}</source>
        <translation>Не импортировано из {file}: {reason}</translation>
    </message>
    <message>
        <source>Imported {n} shapes from {file}; Save publishes them</source>
        <translation>Импортировано фигур из {file}: {n}; «Сохранить» опубликует их</translation>
    </message>
    <message>
        <source>Export zones</source>
        <translation>Экспорт зон</translation>
    </message>
    <message>
        <source>Zone sets (*.json)</source>
        <translation>Наборы зон (*.json)</translation>
    </message>
    <message>
        <source>Import zones</source>
        <translation>Импорт зон</translation>
    </message>
    <message>
        <source>Nothing changed since version {version}</source>
        <translation>Ничего не изменилось после версии {version}</translation>
    </message>
</context>
<context>
    <name>ZoneEditorController</name>
    <message>
        <source>the analytics worker, which stores zone versions, did not answer, so the stored version of these zones is not known</source>
        <translation>обработчик аналитики, который хранит версии зон, не ответил, поэтому сохранённая версия этих зон неизвестна</translation>
    </message>
    <message>
        <source>Waiting for a frame from the camera…</source>
        <translation>Ожидание кадра от камеры…</translation>
    </message>
    <message>
        <source>Line {n}</source>
        <translation>Линия {n}</translation>
    </message>
    <message>
        <source>Zone {n}</source>
        <translation>Зона {n}</translation>
    </message>
    <message>
        <source>Mask {n}</source>
        <translation>Маска {n}</translation>
    </message>
    <message>
        <source>zones version {version}</source>
        <translation>зоны версии {version}</translation>
    </message>
    <message>
        <source>no zones saved yet</source>
        <translation>зоны ещё не сохранялись</translation>
    </message>
    <message>
        <source>showing version {version} as this console last saw it</source>
        <translation>показана версия {version}, как её последней видела эта консоль</translation>
    </message>
    <message>
        <source>showing no shapes</source>
        <translation>фигур не показано</translation>
    </message>
    <message>
        <source>Not saving: {why} ({seen}). Draw or Export; “Load stored zones” asks again.</source>
        <translation>Сохранение недоступно: {why} ({seen}). Можно рисовать или экспортировать; «Загрузить сохранённые зоны» спросит снова.</translation>
    </message>
    <message>
        <source>No frame from camera {camera} within {seconds} s (offline or not sending): drawing on a blank frame; {zones}</source>
        <translation>От камеры {camera} нет кадра за {seconds} с (не в сети или не передаёт): рисование на пустом кадре; {zones}</translation>
    </message>
    <message>
        <source>Frame frozen ({width}×{height}); {zones}</source>
        <translation>Кадр зафиксирован ({width}×{height}); {zones}</translation>
    </message>
    <message>
        <source>Still not saving: {why}.</source>
        <translation>Сохранение по-прежнему недоступно: {why}.</translation>
    </message>
    <message>
        <source>Loaded the stored zones (version {version}) in place of the drawing, which Undo brings back</source>
        <translation>Загружены сохранённые зоны (версия {version}) вместо рисунка; «Отменить» вернёт его</translation>
    </message>
    <message>
        <source>The stored zones are version {version}, the ones this drawing started from: Save is on</source>
        <translation>Сохранены зоны версии {version} — те, с которых начат этот рисунок: сохранение доступно</translation>
    </message>
    <message>
        <source>Not saved: {why}.</source>
        <translation>Не сохранено: {why}.</translation>
    </message>
    <message>
        <source>Not saved: {why}</source>
        <translation>Не сохранено: {why}</translation>
    </message>
    <message>
        <source>Not saved. {why}</source>
        <translation>Не сохранено. {why}</translation>
    </message>
    <message>
        <source>Not saved: the analytics worker, which stores zone versions, did not answer, and the detectors were sent nothing. The drawing stays here: “Load stored zones” once it is back, or Export it.</source>
        <translation>Не сохранено: обработчик аналитики, который хранит версии зон, не ответил, и детекторам ничего не отправлено. Рисунок остаётся здесь: когда обработчик вернётся, нажмите «Загрузить сохранённые зоны» или экспортируйте рисунок.</translation>
    </message>
    <message>
        <source>Not saved: {why}. “Load stored zones” replaces the drawing with them (Undo brings it back).</source>
        <translation>Не сохранено: {why}. «Загрузить сохранённые зоны» заменит ими рисунок («Отменить» вернёт его).</translation>
    </message>
    <message>
        <source>Saved version {version}: stored, and the detectors count with it from their next frame</source>
        <translation>Версия {version} сохранена: детекторы считают по ней со следующего кадра</translation>
    </message>
</context>
</TS>
