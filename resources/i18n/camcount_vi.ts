<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN">
<context>
    <name>AdminAccess</name>
    <message>
        <source>Not allowed for this account{account}: it may not send control messages, so it cannot change cameras, zones, alert rules or notification targets. Ask an admin, or connect with an admin account.</source>
        <translation>Tài khoản này không có quyền{account}: không được gửi lệnh điều khiển, nên không thể thay đổi camera, vùng, quy tắc cảnh báo hay nơi nhận thông báo. Hãy nhờ quản trị viên, hoặc kết nối bằng tài khoản quản trị.</translation>
    </message>
    <message>
        <source>nobody is listening for control messages (no camera, detector or analytics worker is connected); nothing was changed</source>
        <translation>không có ai nhận lệnh điều khiển (không có worker camera, bộ phát hiện hay phân tích nào đang kết nối); chưa có gì thay đổi</translation>
    </message>
    <message>
        <source>not sent: {why}</source>
        <translation>chưa gửi: {why}</translation>
    </message>
</context>
<context>
    <name>AdminMenu</name>
    <message>
        <source>&amp;Admin</source>
        <translation>&amp;Quản trị</translation>
    </message>
    <message>
        <source>&amp;Cameras…</source>
        <translation>&amp;Camera…</translation>
    </message>
    <message>
        <source>&amp;Zones of</source>
        <translation>&amp;Vùng của</translation>
    </message>
    <message>
        <source>&amp;Sites…</source>
        <translation>&amp;Khu…</translation>
    </message>
    <message>
        <source>Alert &amp;rules and targets…</source>
        <translation>&amp;Quy tắc cảnh báo và nơi nhận…</translation>
    </message>
    <message>
        <source>Admin actions: not allowed for this account</source>
        <translation>Thao tác quản trị: tài khoản này không có quyền</translation>
    </message>
    <message>
        <source>(no cameras yet)</source>
        <translation>(chưa có camera)</translation>
    </message>
</context>
<context>
    <name>AlertDetailView</name>
    <message>
        <source>Live</source>
        <translation>Trực tiếp</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>Ghi chú (không bắt buộc)</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Xác nhận</translation>
    </message>
    <message>
        <source>Click an alert to see what happened: its snapshot and its camera live.</source>
        <translation>Bấm vào một cảnh báo để xem chuyện gì đã xảy ra: ảnh chụp và hình trực tiếp của camera.</translation>
    </message>
    <message>
        <source>This alert is not about a camera: there is no picture of it.</source>
        <translation>Cảnh báo này không liên quan tới camera: không có hình.</translation>
    </message>
    <message>
        <source>Asking for the snapshot…</source>
        <translation>Đang lấy ảnh chụp…</translation>
    </message>
    <message>
        <source>No alert chosen</source>
        <translation>Chưa chọn cảnh báo</translation>
    </message>
    <message>
        <source>no camera</source>
        <translation>không có camera</translation>
    </message>
    <message>
        <source>{severity} · {camera} · {time}</source>
        <translation>{severity} · {camera} · {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Đang diễn ra</translation>
    </message>
    <message>
        <source>Resolved at {time}</source>
        <translation>Kết thúc lúc {time}</translation>
    </message>
    <message>
        <source>acknowledged by {who} at {time}</source>
        <translation>{who} đã xác nhận lúc {time}</translation>
    </message>
    <message>
        <source>note: “{note}”</source>
        <translation>ghi chú: “{note}”</translation>
    </message>
    <message>
        <source>not acknowledged</source>
        <translation>chưa xác nhận</translation>
    </message>
    <message>
        <source>No snapshot: {why}</source>
        <translation>Không có ảnh chụp: {why}</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Ảnh chụp</translation>
    </message>
    <message>
        <source>Snapshot at {time}</source>
        <translation>Ảnh chụp lúc {time}</translation>
    </message>
    <message>
        <source>, {seconds} s before the alert</source>
        <translation>, {seconds} giây trước cảnh báo</translation>
    </message>
</context>
<context>
    <name>AlertingDialog</name>
    <message>
        <source>Setting</source>
        <translation>Thiết lập</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
    <message>
        <source>sending ({n} failed in a row)</source>
        <translation>đang gửi ({n} lần lỗi liên tiếp)</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>đang gửi</translation>
    </message>
    <message>
        <source>paused, probing with the next send</source>
        <translation>tạm dừng, sẽ thử lại ở lần gửi tới</translation>
    </message>
    <message>
        <source>paused until {time} after {n} failures</source>
        <translation>tạm dừng đến {time} sau {n} lần lỗi</translation>
    </message>
    <message>
        <source>paused after {n} failures</source>
        <translation>tạm dừng sau {n} lần lỗi</translation>
    </message>
    <message>
        <source>&gt; the site&apos;s maximum</source>
        <translation>&gt; mức tối đa của khu</translation>
    </message>
    <message>
        <source>in {n} s</source>
        <translation>trong {n} giây</translation>
    </message>
    <message>
        <source>for {n} s</source>
        <translation>kéo dài {n} giây</translation>
    </message>
    <message>
        <source>cooldown {n} s</source>
        <translation>thời gian chờ {n} giây</translation>
    </message>
    <message>
        <source>cameras</source>
        <translation>camera</translation>
    </message>
    <message>
        <source>zones</source>
        <translation>vùng</translation>
    </message>
    <message>
        <source>lines</source>
        <translation>vạch</translation>
    </message>
    <message>
        <source>roles</source>
        <translation>vai trò</translation>
    </message>
    <message>
        <source>queues</source>
        <translation>hàng đợi</translation>
    </message>
    <message>
        <source>sites</source>
        <translation>khu</translation>
    </message>
    <message>
        <source>all</source>
        <translation>tất cả</translation>
    </message>
    <message>
        <source>delivered{code} in {ms} ms</source>
        <translation>đã gửi tới{code} trong {ms} ms</translation>
    </message>
    <message>
        <source>failed: {why}</source>
        <translation>lỗi: {why}</translation>
    </message>
    <message>
        <source>Alert rules and notification targets</source>
        <translation>Quy tắc cảnh báo và nơi nhận thông báo</translation>
    </message>
    <message>
        <source>Add rule…</source>
        <translation>Thêm quy tắc…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Sửa…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Add target…</source>
        <translation>Thêm nơi nhận…</translation>
    </message>
    <message>
        <source>Edit settings…</source>
        <translation>Sửa thiết lập…</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Tải lại</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>Quy tắc</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>Nơi nhận</translation>
    </message>
    <message>
        <source>Site settings</source>
        <translation>Thiết lập cơ sở</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>không ai</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <source>none</source>
        <translation>không có</translation>
    </message>
    <message>
        <source>Send test notification</source>
        <translation>Gửi thông báo thử</translation>
    </message>
    <message>
        <source>version {version}, saved by {person}</source>
        <translation>phiên bản {version}, do {person} lưu</translation>
    </message>
    <message>
        <source>version {version}</source>
        <translation>phiên bản {version}</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Quy tắc</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Mức độ</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>Điều kiện</translation>
    </message>
    <message>
        <source>Watches</source>
        <translation>Theo dõi</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>Thông báo tới</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Bật</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Nơi nhận</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kênh</translation>
    </message>
    <message>
        <source>Sends to</source>
        <translation>Gửi tới</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Giới hạn tần suất</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Khóa bí mật</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Thử</translation>
    </message>
    <message>
        <source>Last test</source>
        <translation>Lần thử gần nhất</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>Tình trạng gửi</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Thiết lập</translation>
    </message>
    <message>
        <source>{what} saved: version {version} is in force</source>
        <translation>Đã lưu {what}: phiên bản {version} đang có hiệu lực</translation>
    </message>
    <message>
        <source>Rule {rule} deleted</source>
        <translation>Đã xóa quy tắc {rule}</translation>
    </message>
    <message>
        <source>Target {target} deleted</source>
        <translation>Đã xóa nơi nhận {target}</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Đang gửi…</translation>
    </message>
    <message>
        <source>Sending a test notification to {target}…</source>
        <translation>Đang gửi thông báo thử tới {target}…</translation>
    </message>
    <message>
        <source>Test to {target} {outcome}</source>
        <translation>Thử gửi tới {target}: {outcome}</translation>
    </message>
</context>
<context>
    <name>AlertsController</name>
    <message>
        <source>could not acknowledge: {why}</source>
        <translation>không xác nhận được: {why}</translation>
    </message>
</context>
<context>
    <name>AlertsView</name>
    <message>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Mức độ</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>Cảnh báo</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>Đã xác nhận</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>nghiêm trọng</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>cảnh báo</translation>
    </message>
    <message>
        <source>info</source>
        <translation>thông tin</translation>
    </message>
    <message>
        <source>click a camera to show it</source>
        <translation>bấm vào camera để xem</translation>
    </message>
    <message>
        <source>Acknowledge selected</source>
        <translation>Xác nhận mục đã chọn</translation>
    </message>
    <message>
        <source>Acknowledge all</source>
        <translation>Xác nhận tất cả</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Tất cả</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Đang diễn ra</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Đã kết thúc</translation>
    </message>
    <message>
        <source>which alerts to list</source>
        <translation>chọn cảnh báo cần liệt kê</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Hiện</translation>
    </message>
    <message>
        <source>{person} at {time}</source>
        <translation>{person} lúc {time}</translation>
    </message>
    <message>
        <source>active</source>
        <translation>đang diễn ra</translation>
    </message>
    <message>
        <source>resolved {time}</source>
        <translation>kết thúc lúc {time}</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>đã kết thúc</translation>
    </message>
    <message>
        <source>{camera}: click to show it</source>
        <translation>{camera}: bấm để xem</translation>
    </message>
    <message>
        <source>{n} active</source>
        <translation>{n} đang diễn ra</translation>
    </message>
    <message>
        <source>none active</source>
        <translation>không có cảnh báo đang diễn ra</translation>
    </message>
    <message>
        <source>{n} unacknowledged</source>
        <translation>{n} chưa xác nhận</translation>
    </message>
    <message>
        <source>all acknowledged</source>
        <translation>đã xác nhận hết</translation>
    </message>
</context>
<context>
    <name>AnalyticsController</name>
    <message>
        <source>This account may not ask the analytics worker. Ask an admin to give it the operator permissions of docs/admin.md, or connect with an admin account.</source>
        <translation>Tài khoản này không được phép hỏi worker phân tích. Hãy nhờ quản trị viên cấp quyền người trực theo docs/admin.md, hoặc kết nối bằng tài khoản quản trị.</translation>
    </message>
    <message>
        <source>The query failed: {why}</source>
        <translation>Truy vấn thất bại: {why}</translation>
    </message>
    <message>
        <source>Asking the analytics worker for its cameras…</source>
        <translation>Đang hỏi worker phân tích danh sách camera…</translation>
    </message>
    <message>
        <source>The analytics worker has no cameras yet: nothing has been counted.</source>
        <translation>Worker phân tích chưa có camera nào: chưa đếm được gì.</translation>
    </message>
    <message>
        <source>{n} cameras known to the analytics worker; none has counted anything in the last {days} days.</source>
        <translation>Worker phân tích biết {n} camera; không camera nào đếm được gì trong {days} ngày qua.</translation>
    </message>
    <message>
        <source>{n} cameras known to the analytics worker, {c} with counts in the last {days} days.</source>
        <translation>Worker phân tích biết {n} camera, {c} camera có số đếm trong {days} ngày qua.</translation>
    </message>
    <message>
        <source>Querying…</source>
        <translation>Đang truy vấn…</translation>
    </message>
    <message>
        <source>Nothing counted for {camera} · {shape} in {span}.</source>
        <translation>Không đếm được gì cho {camera} · {shape} trong {span}.</translation>
    </message>
    <message>
        <source>{n} hourly bucket(s)</source>
        <translation>{n} mốc theo giờ</translation>
    </message>
    <message>
        <source>{n} daily bucket(s)</source>
        <translation>{n} mốc theo ngày</translation>
    </message>
    <message>
        <source>{n} weekly bucket(s)</source>
        <translation>{n} mốc theo tuần</translation>
    </message>
    <message>
        <source>{n} monthly bucket(s)</source>
        <translation>{n} mốc theo tháng</translation>
    </message>
    <message>
        <source>Site {name}: people inside, {span} ({tz})</source>
        <translation>Khu {name}: số người bên trong, {span} ({tz})</translation>
    </message>
    <message>
        <source>Nothing to export yet: show a chart first.</source>
        <translation>Chưa có gì để xuất: hãy hiện biểu đồ trước.</translation>
    </message>
    <message>
        <source>Export failed: {why}</source>
        <translation>Xuất thất bại: {why}</translation>
    </message>
    <message>
        <source>Exported {n} rows to {path}</source>
        <translation>Đã xuất {n} dòng ra {path}</translation>
    </message>
</context>
<context>
    <name>AnalyticsView</name>
    <message>
        <source>Hourly</source>
        <translation>Theo giờ</translation>
    </message>
    <message>
        <source>Daily</source>
        <translation>Theo ngày</translation>
    </message>
    <message>
        <source>Weekly</source>
        <translation>Theo tuần</translation>
    </message>
    <message>
        <source>Monthly</source>
        <translation>Theo tháng</translation>
    </message>
    <message>
        <source>CamCount — Analytics</source>
        <translation>CamCount — Phân tích</translation>
    </message>
    <message>
        <source>None: a camera</source>
        <translation>Không: một camera</translation>
    </message>
    <message>
        <source>Reload cameras</source>
        <translation>Tải lại danh sách camera</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Hiện</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>Xuất CSV…</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Lines/zones</source>
        <translation>Vạch/vùng</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Lớp đối tượng</translation>
    </message>
    <message>
        <source>Buckets</source>
        <translation>Chia theo</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Từ</translation>
    </message>
    <message>
        <source>To</source>
        <translation>Đến</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>Khu</translation>
    </message>
    <message>
        <source>Heatmap</source>
        <translation>Bản đồ nhiệt</translation>
    </message>
    <message>
        <source>Where people walked and stood on the chosen camera and days, over its picture</source>
        <translation>Nơi mọi người đã đi và đứng ở camera và những ngày đã chọn, trên hình của camera</translation>
    </message>
    <message>
        <source>Line/zone</source>
        <translation>Vạch/vùng</translation>
    </message>
    <message>
        <source>In</source>
        <translation>Vào</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>Ra</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>Chênh lệch</translation>
    </message>
    <message>
        <source>All lines</source>
        <translation>Tất cả vạch</translation>
    </message>
    <message>
        <source>All zones</source>
        <translation>Tất cả vùng</translation>
    </message>
    <message>
        <source>Line: {name}</source>
        <translation>Vạch: {name}</translation>
    </message>
    <message>
        <source>Zone: {name}</source>
        <translation>Vùng: {name}</translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>Tất cả lớp đối tượng</translation>
    </message>
    <message>
        <source>No camera to show: the analytics worker has not counted any yet.</source>
        <translation>Không có camera để hiện: worker phân tích chưa đếm camera nào.</translation>
    </message>
    <message>
        <source>The To day is before the From day.</source>
        <translation>Ngày &quot;Đến&quot; nằm trước ngày &quot;Từ&quot;.</translation>
    </message>
    <message>
        <source>Export what is shown</source>
        <translation>Xuất dữ liệu đang hiện</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Tệp CSV (*.csv)</translation>
    </message>
    <message>
        <source>all classes</source>
        <translation>tất cả lớp đối tượng</translation>
    </message>
    <message>
        <source>Entries {n_in} · Exits {n_out} · Peak inside {peak} · Inside at end {end}</source>
        <translation>Lượt vào {n_in} · Lượt ra {n_out} · Đông nhất {peak} · Cuối kỳ còn {end}</translation>
    </message>
    <message>
        <source>In {n_in} · Out {n_out} · Net {net}</source>
        <translation>Vào {n_in} · Ra {n_out} · Chênh lệch {net}</translation>
    </message>
    <message>
        <source>Peak inside {peak} · Inside at end {end}</source>
        <translation>Cao nhất bên trong {peak} · Bên trong lúc cuối {end}</translation>
    </message>
    <message>
        <source>corrected {n}</source>
        <translation>đã hiệu chỉnh {n}</translation>
    </message>
    <message>
        <source>maximum {n}</source>
        <translation>tối đa {n}</translation>
    </message>
</context>
<context>
    <name>BucketEventsPanel</name>
    <message>
        <source>List count events</source>
        <translation>Liệt kê các lượt đếm</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <source>Line/zone</source>
        <translation>Vạch/vùng</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Hướng</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Lớp đối tượng</translation>
    </message>
    <message>
        <source>Track</source>
        <translation>Mã theo dõi</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Ảnh chụp</translation>
    </message>
    <message>
        <source>Choose an event to see its snapshot.</source>
        <translation>Chọn một lượt đếm để xem ảnh chụp.</translation>
    </message>
    <message>
        <source>Count events of bucket</source>
        <translation>Các lượt đếm trong mốc</translation>
    </message>
    <message>
        <source>{start} · in {n_in} · out {n_out}</source>
        <translation>{start} · vào {n_in} · ra {n_out}</translation>
    </message>
    <message>
        <source>Asking…</source>
        <translation>Đang hỏi…</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <source>none</source>
        <translation>không có</translation>
    </message>
    <message>
        <source>{n} count event(s), {k} with a snapshot</source>
        <translation>{n} lượt đếm, {k} lượt có ảnh chụp</translation>
    </message>
    <message>
        <source> (the newest only)</source>
        <translation> (chỉ những lượt mới nhất)</translation>
    </message>
    <message>
        <source>No snapshot is stored for these events.</source>
        <translation>Không có ảnh chụp nào được lưu cho các lượt này.</translation>
    </message>
    <message>
        <source>entered</source>
        <translation>đi vào</translation>
    </message>
    <message>
        <source>left</source>
        <translation>rời đi</translation>
    </message>
    <message>
        <source>in</source>
        <translation>vào</translation>
    </message>
    <message>
        <source>out</source>
        <translation>ra</translation>
    </message>
    <message>
        <source>Asking for the snapshot…</source>
        <translation>Đang lấy ảnh chụp…</translation>
    </message>
    <message>
        <source>No snapshot: {why}</source>
        <translation>Không có ảnh chụp: {why}</translation>
    </message>
    <message>
        <source>Track {track} at {time}</source>
        <translation>Mã theo dõi {track} lúc {time}</translation>
    </message>
</context>
<context>
    <name>BusAdapter</name>
    <message>
        <source>cannot follow camera {camera}: {why}</source>
        <translation>không theo dõi được camera {camera}: {why}</translation>
    </message>
</context>
<context>
    <name>CameraAdminController</name>
    <message>
        <source>{source} opened but sent no picture</source>
        <translation>{source} đã mở nhưng không gửi hình</translation>
    </message>
    <message>
        <source>{why} Showing the cameras this console has seen.</source>
        <translation>{why} Đang hiện các camera mà bảng điều khiển này đã thấy.</translation>
    </message>
    <message>
        <source>Cameras recorded by the analytics worker: {n}</source>
        <translation>Camera được worker phân tích ghi nhận: {n}</translation>
    </message>
    <message>
        <source>the configuration of {camera} is not known here; edit it first</source>
        <translation>ở đây chưa biết cấu hình của {camera}; hãy sửa nó trước</translation>
    </message>
    <message>
        <source>cannot open {source}: {why}</source>
        <translation>không mở được {source}: {why}</translation>
    </message>
</context>
<context>
    <name>CameraAdminDialog</name>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Nhóm</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn</translation>
    </message>
    <message>
        <source>fps</source>
        <translation>khung hình/giây</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Bật</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Cameras — CamCount</source>
        <translation>Camera — CamCount</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Thêm…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Sửa…</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Bật</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Gỡ bỏ</translation>
    </message>
    <message>
        <source>Zones…</source>
        <translation>Vùng…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Làm mới</translation>
    </message>
    <message>
        <source>(configuration not known here)</source>
        <translation>(chưa biết cấu hình ở đây)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <source>As its camera worker runs it (started there with --camera): not saved from a console. Edit… saves it, then every console and worker knows it.</source>
        <translation>Như worker camera đang chạy nó (khởi động tại đó bằng --camera): chưa được lưu từ bảng điều khiển. Bấm Sửa… để lưu, sau đó mọi bảng điều khiển và worker đều biết.</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Tắt</translation>
    </message>
    <message>
        <source>Not done. {why}</source>
        <translation>Chưa thực hiện. {why}</translation>
    </message>
    <message>
        <source>{no_worker}: until then it stays unknown</source>
        <translation>{no_worker}: cho đến lúc đó camera vẫn ở trạng thái không rõ</translation>
    </message>
    <message>
        <source>Camera {camera} sent to the camera workers of group {group}</source>
        <translation>Đã gửi camera {camera} tới các worker camera của nhóm {group}</translation>
    </message>
    <message>
        <source>(default)</source>
        <translation>(mặc định)</translation>
    </message>
    <message>
        <source>Camera {camera} reconfigured</source>
        <translation>Đã cấu hình lại camera {camera}</translation>
    </message>
    <message>
        <source>Camera {camera} disabled</source>
        <translation>Đã tắt camera {camera}</translation>
    </message>
    <message>
        <source>Camera {camera} enabled</source>
        <translation>Đã bật camera {camera}</translation>
    </message>
    <message>
        <source>Camera {camera} removed</source>
        <translation>Đã gỡ bỏ camera {camera}</translation>
    </message>
</context>
<context>
    <name>CameraForm</name>
    <message>
        <source>Edit camera</source>
        <translation>Sửa camera</translation>
    </message>
    <message>
        <source>Add camera</source>
        <translation>Thêm camera</translation>
    </message>
    <message>
        <source>letters, digits, - and _</source>
        <translation>chữ cái, chữ số, - và _</translation>
    </message>
    <message>
        <source>rtsp://user:pass@host/stream, http://…/video.mjpg, a file, or 0</source>
        <translation>rtsp://user:pass@host/stream, http://…/video.mjpg, một tệp, hoặc 0</translation>
    </message>
    <message>
        <source>The camera worker started with --group &lt;this&gt; adopts a new camera</source>
        <translation>Worker camera chạy với --group &lt;tên này&gt; sẽ nhận camera mới</translation>
    </message>
    <message>
        <source>the detector&apos;s default</source>
        <translation>mặc định của bộ phát hiện</translation>
    </message>
    <message>
        <source>the detector&apos;s default (640)</source>
        <translation>mặc định của bộ phát hiện (640)</translation>
    </message>
    <message>
        <source>Smaller is faster but misses small, distant people; HOG ignores it</source>
        <translation>Nhỏ hơn thì nhanh hơn nhưng bỏ sót người nhỏ, ở xa; HOG bỏ qua giá trị này</translation>
    </message>
    <message>
        <source>Replay a video file endlessly</source>
        <translation>Phát lại tệp video liên tục</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Bật</translation>
    </message>
    <message>
        <source>Test the connection to see a picture</source>
        <translation>Kiểm tra kết nối để xem hình</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Kiểm tra kết nối</translation>
    </message>
    <message>
        <source>Save a camera that did not connect?</source>
        <translation>Lưu camera chưa kết nối được?</translation>
    </message>
    <message>
        <source>Camera id</source>
        <translation>Mã camera</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Nhóm</translation>
    </message>
    <message>
        <source>Analysis fps</source>
        <translation>Số khung hình phân tích/giây</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Lớp đối tượng</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Mô hình</translation>
    </message>
    <message>
        <source>Input size</source>
        <translation>Kích thước đầu vào</translation>
    </message>
    <message>
        <source>a camera id is letters, digits, - and _ (at most 64): it names the camera&apos;s queues</source>
        <translation>mã camera gồm chữ cái, chữ số, - và _ (tối đa 64 ký tự): nó dùng để đặt tên các hàng đợi của camera</translation>
    </message>
    <message>
        <source>a name is needed: it is what operators see on the wall</source>
        <translation>cần có tên: đó là tên người trực thấy trên tường video</translation>
    </message>
    <message>
        <source>{fps} frames per second cannot be analysed: more than 0 and at most {max}</source>
        <translation>không thể phân tích {fps} khung hình/giây: phải lớn hơn 0 và không quá {max}</translation>
    </message>
    <message>
        <source>an input size is a number of pixels, such as 416; empty: the detector&apos;s default</source>
        <translation>kích thước đầu vào là số điểm ảnh, ví dụ 416; để trống: mặc định của bộ phát hiện</translation>
    </message>
    <message>
        <source>the source shows *** where its password was (CamCount never stores camera passwords outside the camera workers): type it again</source>
        <translation>nguồn hiện *** ở chỗ mật khẩu (CamCount không bao giờ lưu mật khẩu camera ngoài các worker camera): hãy nhập lại</translation>
    </message>
    <message>
        <source>Save {camera} anyway? Its tile will show NO SIGNAL until the source answers.</source>
        <translation>Vẫn lưu {camera}? Ô của nó sẽ hiện MẤT TÍN HIỆU cho đến khi nguồn phản hồi.</translation>
    </message>
    <message>
        <source>Connecting to {source}…</source>
        <translation>Đang kết nối tới {source}…</translation>
    </message>
    <message>
        <source>Connection test failed: {reason}</source>
        <translation>Kiểm tra kết nối thất bại: {reason}</translation>
    </message>
    <message>
        <source>{width}×{height} from this computer</source>
        <translation>{width}×{height} từ máy tính này</translation>
    </message>
</context>
<context>
    <name>CamerasView</name>
    <message>
        <source>online</source>
        <translation>trực tuyến</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>đang kết nối lại</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>mất kết nối</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>không rõ</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>đã tắt</translation>
    </message>
    <message>
        <source>no worker</source>
        <translation>không có worker</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>FPS</source>
        <translation>FPS</translation>
    </message>
    <message>
        <source>Filter cameras</source>
        <translation>Lọc camera</translation>
    </message>
    <message>
        <source>no camera worker serves group {group}: start one with `camcount-worker camera --group {group}`</source>
        <translation>không có worker camera nào phục vụ nhóm {group}: hãy chạy một worker bằng `camcount-worker camera --group {group}`</translation>
    </message>
    <message>
        <source>no camera worker serves the default group: start one with `camcount-worker camera`</source>
        <translation>không có worker camera nào phục vụ nhóm mặc định: hãy chạy một worker bằng `camcount-worker camera`</translation>
    </message>
</context>
<context>
    <name>ConfigEditForm</name>
    <message>
        <source>Correct the fields marked in red</source>
        <translation>Hãy sửa các ô được đánh dấu đỏ</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <source>in-process bus (local mode)</source>
        <translation>bus nội bộ (chế độ cục bộ)</translation>
    </message>
    <message>
        <source>Heatmap: {why}</source>
        <translation>Bản đồ nhiệt: {why}</translation>
    </message>
    <message>
        <source>Heatmap: nobody seen in the last 24 h</source>
        <translation>Bản đồ nhiệt: không thấy ai trong 24 giờ qua</translation>
    </message>
    <message>
        <source>Heatmap · where people walked · last 24 h ({hours} h of data)</source>
        <translation>Bản đồ nhiệt · nơi mọi người đã đi · 24 giờ qua ({hours} giờ dữ liệu)</translation>
    </message>
    <message>
        <source>Faces not shown on {camera}: {why}. Seeing faces needs the &apos;see faces&apos; right (docs/privacy.md).</source>
        <translation>Không hiện khuôn mặt trên {camera}: {why}. Muốn xem khuôn mặt cần quyền &apos;see faces&apos; (docs/privacy.md).</translation>
    </message>
</context>
<context>
    <name>CountingSettings</name>
    <message>
        <source>feet</source>
        <translation>chân</translation>
    </message>
    <message>
        <source>box centre</source>
        <translation>tâm khung</translation>
    </message>
    <message>
        <source>head</source>
        <translation>đầu</translation>
    </message>
    <message>
        <source>Counting (all lines)</source>
        <translation>Đếm (mọi vạch)</translation>
    </message>
    <message>
        <source>The point of each box that crosses lines and is inside zones: the feet (bottom centre), the box centre or the head (top centre)</source>
        <translation>Điểm của mỗi khung được dùng để tính qua vạch và ở trong vùng: chân (giữa cạnh dưới), tâm khung hoặc đầu (giữa cạnh trên)</translation>
    </message>
    <message>
        <source> frames</source>
        <translation> khung hình</translation>
    </message>
    <message>
        <source>Frames beyond the dead band on the new side before a crossing counts</source>
        <translation>Số khung hình ở phía mới, ngoài dải đệm, trước khi tính một lượt qua vạch</translation>
    </message>
    <message>
        <source> % of width</source>
        <translation> % chiều rộng</translation>
    </message>
    <message>
        <source>A band this wide on each side of every line (shaded on the picture) where a person is on neither side: standing on the line and swaying over it never counts</source>
        <translation>Một dải rộng chừng này ở mỗi bên của mọi vạch (tô mờ trên hình), trong đó người không thuộc bên nào: đứng trên vạch và lắc lư qua lại không bao giờ được tính</translation>
    </message>
    <message>
        <source>A track counts only once seen on this many frames, so a detection that flickers for a frame or two never counts</source>
        <translation>Một đối tượng chỉ được tính khi đã thấy trong chừng này khung hình, nên phát hiện chập chờn một hai khung hình sẽ không được tính</translation>
    </message>
    <message>
        <source> s</source>
        <translation> giây</translation>
    </message>
    <message>
        <source>How long a person the tracker lost (hidden behind someone) is remembered, so that a new track id where they were heading continues them and is not counted again; 0 turns this off</source>
        <translation>Thời gian ghi nhớ một người bị mất dấu (bị người khác che), để mã theo dõi mới xuất hiện theo hướng người đó đang đi được nối tiếp và không bị đếm lại; 0 là tắt</translation>
    </message>
    <message>
        <source> × height</source>
        <translation> × chiều cao</translation>
    </message>
    <message>
        <source>How far from where a lost person was heading a new track may appear to continue them, in person heights</source>
        <translation>Khoảng cách tối đa, tính bằng chiều cao người, từ hướng đi của người bị mất dấu mà một đối tượng mới xuất hiện vẫn được coi là người đó</translation>
    </message>
    <message>
        <source>A person first seen this close to a line who walks away from it crossed it unseen (hidden behind someone, or lost by the tracker on the line) and is counted; 0 turns this off</source>
        <translation>Một người xuất hiện lần đầu gần vạch đến mức này rồi đi xa khỏi vạch được coi là đã qua vạch mà không bị thấy (bị người khác che, hoặc bị mất dấu ngay trên vạch) và được đếm; 0 là tắt</translation>
    </message>
    <message>
        <source>Anchor</source>
        <translation>Điểm neo</translation>
    </message>
    <message>
        <source>Crossing counts after</source>
        <translation>Tính qua vạch sau</translation>
    </message>
    <message>
        <source>Dead band</source>
        <translation>Dải đệm</translation>
    </message>
    <message>
        <source>New tracks count after</source>
        <translation>Đối tượng mới được tính sau</translation>
    </message>
    <message>
        <source>Remember lost people</source>
        <translation>Ghi nhớ người bị mất dấu</translation>
    </message>
    <message>
        <source>Rejoin within</source>
        <translation>Nối lại trong phạm vi</translation>
    </message>
    <message>
        <source>Appears near a line</source>
        <translation>Xuất hiện gần vạch</translation>
    </message>
</context>
<context>
    <name>CountsChart</name>
    <message>
        <source>count</source>
        <translation>số đếm</translation>
    </message>
    <message>
        <source>in</source>
        <translation>vào</translation>
    </message>
    <message>
        <source>out</source>
        <translation>ra</translation>
    </message>
    <message>
        <source>inside</source>
        <translation>bên trong</translation>
    </message>
    <message>
        <source>inside at bucket end</source>
        <translation>bên trong cuối mỗi mốc</translation>
    </message>
    <message>
        <source>peak in bucket</source>
        <translation>đông nhất trong mốc</translation>
    </message>
    <message>
        <source>corrected (visit time)</source>
        <translation>đã hiệu chỉnh (thời gian lưu lại)</translation>
    </message>
    <message>
        <source>maximum</source>
        <translation>tối đa</translation>
    </message>
    <message>
        <source>entries</source>
        <translation>lượt vào</translation>
    </message>
    <message>
        <source>exits</source>
        <translation>lượt ra</translation>
    </message>
</context>
<context>
    <name>DeadLetterController</name>
    <message>
        <source>This account may not read the error queue: reviewing, requeueing and discarding dead letters is for admin accounts. Ask an admin, or connect with an admin account.</source>
        <translation>Tài khoản này không được đọc hàng đợi lỗi: xem xét, đưa lại vào hàng đợi và hủy tin nhắn lỗi là việc của tài khoản quản trị. Hãy nhờ quản trị viên, hoặc kết nối bằng tài khoản quản trị.</translation>
    </message>
    <message>
        <source>cannot read the error queue: {why}</source>
        <translation>không đọc được hàng đợi lỗi: {why}</translation>
    </message>
    <message>
        <source>{n} message(s) in the error queue</source>
        <translation>{n} tin nhắn trong hàng đợi lỗi</translation>
    </message>
    <message>
        <source>{n} message(s) requeued</source>
        <translation>Đã đưa lại {n} tin nhắn vào hàng đợi</translation>
    </message>
    <message>
        <source>not requeued: {why}</source>
        <translation>chưa đưa lại vào hàng đợi: {why}</translation>
    </message>
    <message>
        <source>{n} message(s) discarded</source>
        <translation>Đã hủy {n} tin nhắn</translation>
    </message>
    <message>
        <source>not discarded: {why}</source>
        <translation>chưa hủy: {why}</translation>
    </message>
</context>
<context>
    <name>DeadLetterView</name>
    <message>
        <source>Failed at</source>
        <translation>Lỗi lúc</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Original route</source>
        <translation>Tuyến ban đầu</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Số lần thử</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <source>select messages to requeue or discard them</source>
        <translation>chọn tin nhắn để đưa lại vào hàng đợi hoặc hủy</translation>
    </message>
    <message>
        <source>Refresh to read the error queue</source>
        <translation>Bấm Làm mới để đọc hàng đợi lỗi</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Làm mới</translation>
    </message>
    <message>
        <source>Requeue selected</source>
        <translation>Đưa lại vào hàng đợi</translation>
    </message>
    <message>
        <source>Discard selected</source>
        <translation>Hủy mục đã chọn</translation>
    </message>
</context>
<context>
    <name>DetectionController</name>
    <message>
        <source>{size} MB</source>
        <translation>{size} MB</translation>
    </message>
    <message>
        <source>Downloading {file} from {host}…</source>
        <translation>Đang tải {file} từ {host}…</translation>
    </message>
    <message>
        <source>Downloading {file} from {host}: {size}, as the server announces…</source>
        <translation>Đang tải {file} từ {host}: {size}, theo máy chủ báo…</translation>
    </message>
    <message>
        <source>Checking that {file} loads as a model…</source>
        <translation>Đang kiểm tra {file} có nạp được làm mô hình không…</translation>
    </message>
    <message>
        <source>Download cancelled; nothing was kept.</source>
        <translation>Đã hủy tải; không giữ lại gì.</translation>
    </message>
    <message>
        <source>{file} cannot be used: {reason}</source>
        <translation>Không dùng được {file}: {reason}</translation>
    </message>
    <message>
        <source>{file} is ready in {folder}</source>
        <translation>{file} đã sẵn sàng trong {folder}</translation>
    </message>
    <message>
        <source>Loading {file} into the detector (the first time, exporting it for OpenVINO may take a minute)…</source>
        <translation>Đang nạp {file} vào bộ phát hiện (lần đầu, việc xuất sang OpenVINO có thể mất một phút)…</translation>
    </message>
    <message>
        <source>The detector cannot use {file}: {reason}</source>
        <translation>Bộ phát hiện không dùng được {file}: {reason}</translation>
    </message>
    <message>
        <source>Detecting with {model}.</source>
        <translation>Đang phát hiện bằng {model}.</translation>
    </message>
</context>
<context>
    <name>DetectionDialog</name>
    <message>
        <source>Detection</source>
        <translation>Phát hiện</translation>
    </message>
</context>
<context>
    <name>DetectionPage</name>
    <message>
        <source>Without YOLO weights the console counts with OpenCV&apos;s HOG people detector: people only, and less accurate. It never downloads anything by itself; fetch a model here, or choose one you have.</source>
        <translation>Không có trọng số YOLO, bảng điều khiển đếm bằng bộ phát hiện người HOG của OpenCV: chỉ đếm người và kém chính xác hơn. Nó không bao giờ tự tải gì về; hãy tải mô hình ở đây, hoặc chọn mô hình bạn đã có.</translation>
    </message>
    <message>
        <source>Models are fetched from &lt;this address&gt;/&lt;name&gt;.pt: a mirror or a server on your network will do</source>
        <translation>Mô hình được tải từ &lt;địa chỉ này&gt;/&lt;tên&gt;.pt: dùng bản sao hoặc máy chủ trong mạng của bạn cũng được</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>Tải một mô hình</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Mô hình</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Tải từ</translation>
    </message>
    <message>
        <source>Choose weights or ONNX file…</source>
        <translation>Chọn tệp trọng số hoặc ONNX…</translation>
    </message>
    <message>
        <source>Choose OpenVINO folder…</source>
        <translation>Chọn thư mục OpenVINO…</translation>
    </message>
    <message>
        <source>Or use a model on disk</source>
        <translation>Hoặc dùng mô hình có sẵn trên đĩa</translation>
    </message>
    <message>
        <source> · on disk</source>
        <translation> · có trên đĩa</translation>
    </message>
    <message>
        <source>{name} (≈ {size}) — {description}</source>
        <translation>{name} (≈ {size}) — {description}</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>Dùng</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Tải về</translation>
    </message>
    <message>
        <source>Detector: not running yet</source>
        <translation>Bộ phát hiện: chưa chạy</translation>
    </message>
    <message>
        <source>Detector: {text}</source>
        <translation>Bộ phát hiện: {text}</translation>
    </message>
    <message>
        <source>This installation has no YOLO runtime (ultralytics is not installed): it can only count with HOG.</source>
        <translation>Bản cài đặt này không có YOLO (chưa cài ultralytics): chỉ có thể đếm bằng HOG.</translation>
    </message>
    <message>
        <source>Detection runs on the detector workers, each with its own model folder. On each detector machine run:  camcount-worker models fetch {name}  then restart the worker.</source>
        <translation>Việc phát hiện chạy trên các worker phát hiện, mỗi worker có thư mục mô hình riêng. Trên mỗi máy phát hiện hãy chạy:  camcount-worker models fetch {name}  rồi khởi động lại worker.</translation>
    </message>
    <message>
        <source>Models are kept in {folder}.</source>
        <translation>Mô hình được lưu trong {folder}.</translation>
    </message>
    <message>
        <source>YOLO weights or ONNX model</source>
        <translation>Trọng số YOLO hoặc mô hình ONNX</translation>
    </message>
    <message>
        <source>Models (*.pt *.onnx)</source>
        <translation>Mô hình (*.pt *.onnx)</translation>
    </message>
    <message>
        <source>OpenVINO export folder</source>
        <translation>Thư mục xuất OpenVINO</translation>
    </message>
</context>
<context>
    <name>FieldForm</name>
    <message>
        <source>use letters, digits, &apos;.&apos;, &apos;-&apos; and &apos;_&apos; only (at most 64)</source>
        <translation>chỉ dùng chữ cái, chữ số, &apos;.&apos;, &apos;-&apos; và &apos;_&apos; (tối đa 64 ký tự)</translation>
    </message>
    <message>
        <source>write env:VARIABLE or keyring:service/username</source>
        <translation>ghi env:BIẾN hoặc keyring:dịch_vụ/tên_người_dùng</translation>
    </message>
    <message>
        <source>needed</source>
        <translation>bắt buộc</translation>
    </message>
    <message>
        <source>at most {max_length} characters</source>
        <translation>tối đa {max_length} ký tự</translation>
    </message>
    <message>
        <source>give at least {min_length}</source>
        <translation>cần ít nhất {min_length}</translation>
    </message>
    <message>
        <source>a whole number, e.g. 10</source>
        <translation>một số nguyên, ví dụ 10</translation>
    </message>
    <message>
        <source>a number, e.g. 2.5</source>
        <translation>một số, ví dụ 2.5</translation>
    </message>
    <message>
        <source>more than {gt}</source>
        <translation>lớn hơn {gt}</translation>
    </message>
    <message>
        <source>{ge} or more</source>
        <translation>từ {ge} trở lên</translation>
    </message>
    <message>
        <source>less than {lt}</source>
        <translation>nhỏ hơn {lt}</translation>
    </message>
    <message>
        <source>{le} at most</source>
        <translation>không quá {le}</translation>
    </message>
    <message>
        <source>one of {expected}</source>
        <translation>một trong {expected}</translation>
    </message>
</context>
<context>
    <name>HealthController</name>
    <message>
        <source>{n} counts waiting on disk for the broker, the oldest {age} s</source>
        <translation>{n} số đếm đang chờ trên đĩa để gửi tới broker, cũ nhất {age} giây</translation>
    </message>
    <message>
        <source>{ms} ms/frame</source>
        <translation>{ms} ms/khung hình</translation>
    </message>
    <message>
        <source>(+{n} more)</source>
        <translation>(thêm {n})</translation>
    </message>
    <message>
        <source>{fps} fps</source>
        <translation>{fps} fps</translation>
    </message>
    <message>
        <source>no YOLO weights</source>
        <translation>không có trọng số YOLO</translation>
    </message>
    <message>
        <source>YOLO unavailable</source>
        <translation>không dùng được YOLO</translation>
    </message>
    <message>
        <source>HOG fallback — {why}</source>
        <translation>dự phòng HOG — {why}</translation>
    </message>
    <message>
        <source>HOG people detector</source>
        <translation>bộ phát hiện người HOG</translation>
    </message>
</context>
<context>
    <name>HealthView</name>
    <message>
        <source>connected</source>
        <translation>đã kết nối</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>đang kết nối</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>đang kết nối lại</translation>
    </message>
    <message>
        <source>down</source>
        <translation>mất kết nối</translation>
    </message>
    <message>
        <source>running</source>
        <translation>đang chạy</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>đang khởi động</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>đã dừng</translation>
    </message>
    <message>
        <source>gone</source>
        <translation>mất tín hiệu</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>không có</translation>
    </message>
    <message>
        <source>camera</source>
        <translation>camera</translation>
    </message>
    <message>
        <source>detector</source>
        <translation>bộ phát hiện</translation>
    </message>
    <message>
        <source>analytics</source>
        <translation>phân tích</translation>
    </message>
    <message>
        <source>notifier</source>
        <translation>gửi thông báo</translation>
    </message>
    <message>
        <source>alerts</source>
        <translation>cảnh báo</translation>
    </message>
    <message>
        <source>mqtt</source>
        <translation>mqtt</translation>
    </message>
    <message>
        <source>Broker: {state}</source>
        <translation>Broker: {state}</translation>
    </message>
    <message>
        <source>Click to fetch or choose a YOLO model</source>
        <translation>Bấm để tải hoặc chọn mô hình YOLO</translation>
    </message>
    <message>
        <source>Detector: {what}</source>
        <translation>Bộ phát hiện: {what}</translation>
    </message>
    <message>
        <source>Detector: missing</source>
        <translation>Bộ phát hiện: không có</translation>
    </message>
    <message>
        <source>Detector: loading…</source>
        <translation>Bộ phát hiện: đang tải…</translation>
    </message>
    <message>
        <source>Detector: waiting for a heartbeat</source>
        <translation>Bộ phát hiện: đang chờ tín hiệu nhịp</translation>
    </message>
    <message>
        <source>workers say they run every few seconds</source>
        <translation>các worker báo đang chạy sau mỗi vài giây</translation>
    </message>
    <message>
        <source>Detector: none running</source>
        <translation>Bộ phát hiện: không có cái nào chạy</translation>
    </message>
    <message>
        <source>last heartbeat {n} s ago</source>
        <translation>tín hiệu nhịp cuối cách đây {n} giây</translation>
    </message>
    <message>
        <source>{role}: {n} counts waiting</source>
        <translation>{role}: {n} số đếm đang chờ</translation>
    </message>
    <message>
        <source>cannot send to {targets}</source>
        <translation>không gửi được tới {targets}</translation>
    </message>
    <message>
        <source>refuses to publish frames (strict privacy)</source>
        <translation>từ chối phát khung hình (quyền riêng tư nghiêm ngặt)</translation>
    </message>
    <message>
        <source>Right-click to forget it (restarted under another name, or retired)</source>
        <translation>Nhấp chuột phải để bỏ qua (đã khởi động lại dưới tên khác, hoặc đã ngừng dùng)</translation>
    </message>
    <message>
        <source>Forget {worker}</source>
        <translation>Bỏ qua {worker}</translation>
    </message>
</context>
<context>
    <name>HeatmapPanel</name>
    <message>
        <source>Where people walk (visits per cell)</source>
        <translation>Nơi mọi người đi (lượt ghé mỗi ô)</translation>
    </message>
    <message>
        <source>Where people stand longest (time per cell)</source>
        <translation>Nơi mọi người đứng lâu nhất (thời gian mỗi ô)</translation>
    </message>
    <message>
        <source>Choose a camera and days, then Show.</source>
        <translation>Chọn camera và ngày, rồi bấm Hiện.</translation>
    </message>
    <message>
        <source>Asking for the heatmap of {camera}…</source>
        <translation>Đang lấy bản đồ nhiệt của {camera}…</translation>
    </message>
    <message>
        <source>Nothing from {camera} in {span} yet: the detectors send where people walked every 5 minutes.</source>
        <translation>Chưa có gì từ {camera} trong {span}: các bộ phát hiện gửi nơi mọi người đã đi qua mỗi 5 phút.</translation>
    </message>
    <message>
        <source>No one was seen on {camera} in {span}.</source>
        <translation>Không thấy ai trên {camera} trong {span}.</translation>
    </message>
    <message>
        <source>Heatmap of {camera}, {span}: {hours} hour(s) with data.</source>
        <translation>Bản đồ nhiệt của {camera}, {span}: {hours} giờ có dữ liệu.</translation>
    </message>
    <message>
        <source>Nothing in this period.</source>
        <translation>Không có gì trong khoảng thời gian này.</translation>
    </message>
    <message>
        <source>Longest stays: {seconds:.0f} s in one cell (column {col}, row {row} of {cols}x{rows}); {total:.0f} s in all.</source>
        <translation>Lưu lại lâu nhất: {seconds:.0f} giây ở một ô (cột {col}, hàng {row} trong lưới {cols}x{rows}); tổng cộng {total:.0f} giây.</translation>
    </message>
    <message>
        <source>Busiest cell: {n} visit(s) (column {col}, row {row} of {cols}x{rows}); {total} visits in all.</source>
        <translation>Ô đông nhất: {n} lượt ghé (cột {col}, hàng {row} trong lưới {cols}x{rows}); tổng cộng {total} lượt.</translation>
    </message>
</context>
<context>
    <name>LocalRuntime</name>
    <message>
        <source>not available in this installation: {why}</source>
        <translation>không có trong bản cài đặt này: {why}</translation>
    </message>
    <message>
        <source>failed to start: {why}</source>
        <translation>khởi động thất bại: {why}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>local mode</source>
        <translation>chế độ cục bộ</translation>
    </message>
    <message>
        <source>CamCount — {mode}</source>
        <translation>CamCount — {mode}</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>Cảnh báo</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>Cảnh báo</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>Hàng đợi</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>Tin nhắn lỗi</translation>
    </message>
    <message>
        <source>Panels</source>
        <translation>Bảng</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Tệp</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Thiết lập…</translation>
    </message>
    <message>
        <source>&amp;Detection settings…</source>
        <translation>Thiết lập &amp;phát hiện…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>T&amp;hoát</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Xem</translation>
    </message>
    <message>
        <source>Wall</source>
        <translation>Tường video</translation>
    </message>
    <message>
        <source>{tiles} tiles (Ctrl+{n})</source>
        <translation>{tiles} ô (Ctrl+{n})</translation>
    </message>
    <message>
        <source>Boxes and track ids</source>
        <translation>Khung và mã theo dõi</translation>
    </message>
    <message>
        <source>Latency in tile headers</source>
        <translation>Độ trễ trên tiêu đề ô</translation>
    </message>
    <message>
        <source>How old each camera&apos;s picture is when it is shown: from the camera to the screen, with its boxes</source>
        <translation>Hình của mỗi camera cũ bao nhiêu khi được hiện: từ camera tới màn hình, kèm các khung</translation>
    </message>
    <message>
        <source>Full-screen window</source>
        <translation>Cửa sổ toàn màn hình</translation>
    </message>
    <message>
        <source>Sound for critical alerts</source>
        <translation>Âm thanh cho cảnh báo nghiêm trọng</translation>
    </message>
    <message>
        <source>&amp;Analytics…</source>
        <translation>&amp;Phân tích…</translation>
    </message>
    <message>
        <source>Double-click or F: tile full screen · Esc: back · drag cameras onto tiles</source>
        <translation>Nhấp đúp hoặc F: phóng to ô · Esc: quay lại · kéo camera thả vào ô</translation>
    </message>
    <message>
        <source>Alerts ({n})</source>
        <translation>Cảnh báo ({n})</translation>
    </message>
    <message>
        <source>1 unacknowledged alert</source>
        <translation>1 cảnh báo chưa xác nhận</translation>
    </message>
    <message>
        <source>{n} unacknowledged alerts</source>
        <translation>{n} cảnh báo chưa xác nhận</translation>
    </message>
    <message>
        <source>The new language applies the next time the console starts</source>
        <translation>Ngôn ngữ mới có hiệu lực từ lần mở bảng điều khiển tới</translation>
    </message>
    <message>
        <source>Shutting down…</source>
        <translation>Đang tắt…</translation>
    </message>
</context>
<context>
    <name>OccupancyForm</name>
    <message>
        <source>Reset daily at</source>
        <translation>Đặt lại hằng ngày lúc</translation>
    </message>
    <message>
        <source>Never below zero</source>
        <translation>Không bao giờ dưới 0</translation>
    </message>
    <message>
        <source> min</source>
        <translation> phút</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>chưa đặt</translation>
    </message>
    <message>
        <source>The average visit: given, analytics keeps an occupancy corrected by it (Little&apos;s law) beside the counted one</source>
        <translation>Thời gian ghé thăm trung bình: nếu có, phần phân tích giữ thêm số người trong vùng đã hiệu chỉnh theo nó (định luật Little) bên cạnh số đếm được</translation>
    </message>
    <message>
        <source>Average visit</source>
        <translation>Thời gian ghé TB</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <source>{n} inside</source>
        <translation>{n} người bên trong</translation>
    </message>
    <message>
        <source>in {n_in} · out {n_out}</source>
        <translation>vào {n_in} · ra {n_out}</translation>
    </message>
</context>
<context>
    <name>PickList</name>
    <message>
        <source>{id} (not known now)</source>
        <translation>{id} (hiện không rõ)</translation>
    </message>
</context>
<context>
    <name>QueuesController</name>
    <message>
        <source>FULL ({n} messages): the broker refuses new ones; their producers keep them until this queue drains</source>
        <translation>ĐẦY ({n} tin nhắn): broker từ chối tin mới; nơi gửi giữ chúng lại cho đến khi hàng đợi vơi bớt</translation>
    </message>
    <message>
        <source>{share} of its {n}-message capacity: its consumer is behind or stopped</source>
        <translation>{share} sức chứa {n} tin nhắn: nơi xử lý đang chậm hoặc đã dừng</translation>
    </message>
    <message>
        <source>more than {n} messages waiting</source>
        <translation>hơn {n} tin nhắn đang chờ</translation>
    </message>
    <message>
        <source>queue depths unavailable: {why}</source>
        <translation>không lấy được độ sâu hàng đợi: {why}</translation>
    </message>
    <message>
        <source>no message rates (broker HTTP API unavailable: {why})</source>
        <translation>không có tốc độ tin nhắn (không dùng được HTTP API của broker: {why})</translation>
    </message>
</context>
<context>
    <name>QueuesView</name>
    <message>
        <source>queue</source>
        <translation>hàng đợi</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>chờ xử lý</translation>
    </message>
    <message>
        <source>unacked</source>
        <translation>chưa xác nhận</translation>
    </message>
    <message>
        <source>consumers</source>
        <translation>nơi xử lý</translation>
    </message>
    <message>
        <source>in/s</source>
        <translation>vào/giây</translation>
    </message>
    <message>
        <source>out/s</source>
        <translation>ra/giây</translation>
    </message>
    <message>
        <source>each queue&apos;s colour is its line in the charts</source>
        <translation>màu của mỗi hàng đợi là màu đường của nó trên biểu đồ</translation>
    </message>
    <message>
        <source>Ready messages</source>
        <translation>Tin nhắn chờ xử lý</translation>
    </message>
    <message>
        <source>Unacked messages</source>
        <translation>Tin nhắn chưa xác nhận</translation>
    </message>
    <message>
        <source>seconds ago</source>
        <translation>giây trước</translation>
    </message>
    <message>
        <source>warn {n}</source>
        <translation>ngưỡng {n}</translation>
    </message>
</context>
<context>
    <name>ReportsController</name>
    <message>
        <source>sent; waiting for an analytics worker</source>
        <translation>đã gửi; đang chờ worker phân tích</translation>
    </message>
    <message>
        <source>not sent: this account may not request reports (that is for admin accounts); it may read the charts above. Ask an admin, or connect with an admin account.</source>
        <translation>chưa gửi: tài khoản này không được yêu cầu báo cáo (việc của tài khoản quản trị); nó vẫn xem được các biểu đồ ở trên. Hãy nhờ quản trị viên, hoặc kết nối bằng tài khoản quản trị.</translation>
    </message>
    <message>
        <source>not sent: {why}</source>
        <translation>chưa gửi: {why}</translation>
    </message>
    <message>
        <source>no analytics worker has taken it after {seconds} s; it waits in the report queue until one runs</source>
        <translation>sau {seconds} giây chưa có worker phân tích nào nhận; yêu cầu chờ trong hàng đợi báo cáo đến khi có worker chạy</translation>
    </message>
</context>
<context>
    <name>ReportsPanel</name>
    <message>
        <source>Daily summary (last day chosen)</source>
        <translation>Báo cáo ngày (ngày cuối đã chọn)</translation>
    </message>
    <message>
        <source>Weekly summary (its week)</source>
        <translation>Báo cáo tuần (tuần của ngày đó)</translation>
    </message>
    <message>
        <source>Monthly summary (its month)</source>
        <translation>Báo cáo tháng (tháng của ngày đó)</translation>
    </message>
    <message>
        <source>Custom (the days chosen)</source>
        <translation>Tùy chọn (các ngày đã chọn)</translation>
    </message>
    <message>
        <source>daily summary</source>
        <translation>báo cáo ngày</translation>
    </message>
    <message>
        <source>weekly summary</source>
        <translation>báo cáo tuần</translation>
    </message>
    <message>
        <source>monthly summary</source>
        <translation>báo cáo tháng</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>báo cáo tùy chọn</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Báo cáo</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Khoảng thời gian</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Báo cáo</translation>
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
        <translation>Camera này</translation>
    </message>
    <message>
        <source>All cameras</source>
        <translation>Tất cả camera</translation>
    </message>
    <message>
        <source>Request report</source>
        <translation>Yêu cầu báo cáo</translation>
    </message>
    <message>
        <source>done; stored on the analytics server at {path}</source>
        <translation>xong; đã lưu trên máy chủ phân tích tại {path}</translation>
    </message>
    <message>
        <source>failed: {why}</source>
        <translation>lỗi: {why}</translation>
    </message>
</context>
<context>
    <name>RequestFailed</name>
    <message>
        <source>Cannot ask for that: {reasons}</source>
        <translation>Không thể hỏi như vậy: {reasons}</translation>
    </message>
</context>
<context>
    <name>RouteDialog</name>
    <message>
        <source>Add route</source>
        <translation>Thêm lộ trình</translation>
    </message>
    <message>
        <source>Edit route</source>
        <translation>Sửa lộ trình</translation>
    </message>
    <message>
        <source>e.g. Platform to exit</source>
        <translation>ví dụ Sân ga ra lối thoát</translation>
    </message>
    <message>
        <source>either way</source>
        <translation>chiều nào cũng được</translation>
    </message>
    <message>
        <source>in / entry</source>
        <translation>vào / đi vào vùng</translation>
    </message>
    <message>
        <source>out / exit</source>
        <translation>ra / rời vùng</translation>
    </message>
    <message>
        <source>Add step</source>
        <translation>Thêm bước</translation>
    </message>
    <message>
        <source>Remove step</source>
        <translation>Xóa bước</translation>
    </message>
    <message>
        <source>Removes the selected step, or the last one</source>
        <translation>Xóa bước đang chọn, hoặc bước cuối cùng</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>Lên trên</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>Xuống dưới</translation>
    </message>
    <message>
        <source>every class the detector reports</source>
        <translation>mọi lớp mà bộ phát hiện báo</translation>
    </message>
    <message>
        <source>COCO class names, comma-separated (person, car, …)</source>
        <translation>Tên lớp COCO, phân cách bằng dấu phẩy (person, car, …)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>Bước tiếp theo</translation>
    </message>
    <message>
        <source>Steps, in order</source>
        <translation>Các bước, theo thứ tự</translation>
    </message>
    <message>
        <source>Last step within</source>
        <translation>Bước cuối trong vòng</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Lớp</translation>
    </message>
    <message>
        <source>A route needs at least two steps: where people come from and where they go</source>
        <translation>Một lộ trình cần ít nhất hai bước: nơi người đến từ đó và nơi họ đi tới</translation>
    </message>
</context>
<context>
    <name>RouteFlowChart</name>
    <message>
        <source>No route completed</source>
        <translation>Chưa có lộ trình nào hoàn tất</translation>
    </message>
</context>
<context>
    <name>RoutePanel</name>
    <message>
        <source>Add route…</source>
        <translation>Thêm lộ trình…</translation>
    </message>
    <message>
        <source>People who pass these lines or zones in this order, e.g. in by door A and out by door B</source>
        <translation>Những người đi qua các vạch hoặc vùng này theo đúng thứ tự, ví dụ vào cửa A và ra cửa B</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Sửa…</translation>
    </message>
    <message>
        <source>Change the selected route (or double-click it)</source>
        <translation>Thay đổi lộ trình đang chọn (hoặc nhấp đúp vào nó)</translation>
    </message>
    <message>
        <source>Delete route</source>
        <translation>Xóa lộ trình</translation>
    </message>
    <message>
        <source>Routes (origin → destination)</source>
        <translation>Lộ trình (điểm đi → điểm đến)</translation>
    </message>
    <message>
        <source>within {s:g} s</source>
        <translation>trong vòng {s:g} giây</translation>
    </message>
    <message>
        <source>{within}; counts {classes}</source>
        <translation>{within}; đếm {classes}</translation>
    </message>
    <message>
        <source>in</source>
        <translation>vào</translation>
    </message>
    <message>
        <source>out</source>
        <translation>ra</translation>
    </message>
</context>
<context>
    <name>RoutesPanel</name>
    <message>
        <source>Routes (origin → destination): people · mean transit</source>
        <translation>Lộ trình (điểm đi → điểm đến): số người · thời gian di chuyển trung bình</translation>
    </message>
    <message>
        <source>to {name}</source>
        <translation>tới {name}</translation>
    </message>
    <message>
        <source>from {name}</source>
        <translation>từ {name}</translation>
    </message>
    <message>
        <source>No route was completed in this span (routes are drawn in the zone editor).</source>
        <translation>Không có lộ trình nào hoàn tất trong khoảng này (lộ trình được vẽ trong trình chỉnh sửa vùng).</translation>
    </message>
    <message>
        <source>{name}: {n} people, {t:.1f} s on average</source>
        <translation>{name}: {n} người, trung bình {t:.1f} giây</translation>
    </message>
    <message>
        <source>{n} · {t:.1f} s</source>
        <translation>{n} · {t:.1f} giây</translation>
    </message>
</context>
<context>
    <name>RuleForm</name>
    <message>
        <source>Zone occupancy</source>
        <translation>Số người trong vùng</translation>
    </message>
    <message>
        <source>Site occupancy</source>
        <translation>Số người trong khu</translation>
    </message>
    <message>
        <source>Line crossings</source>
        <translation>Lượt qua vạch</translation>
    </message>
    <message>
        <source>Camera offline</source>
        <translation>Camera mất kết nối</translation>
    </message>
    <message>
        <source>Worker silent</source>
        <translation>Worker im lặng</translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation>Độ sâu hàng đợi</translation>
    </message>
    <message>
        <source>Error queue growing</source>
        <translation>Hàng đợi lỗi tăng</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Lộ trình</translation>
    </message>
    <message>
        <source>Edit rule {rule}</source>
        <translation>Sửa quy tắc {rule}</translation>
    </message>
    <message>
        <source>Add alert rule</source>
        <translation>Thêm quy tắc cảnh báo</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Bật</translation>
    </message>
    <message>
        <source>info</source>
        <translation>thông tin</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>cảnh báo</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>nghiêm trọng</translation>
    </message>
    <message>
        <source>both</source>
        <translation>cả hai</translation>
    </message>
    <message>
        <source>in</source>
        <translation>vào</translation>
    </message>
    <message>
        <source>out</source>
        <translation>ra</translation>
    </message>
    <message>
        <source>no cameras known yet</source>
        <translation>chưa biết camera nào</translation>
    </message>
    <message>
        <source>the picked cameras have no zones</source>
        <translation>các camera đã chọn không có vùng</translation>
    </message>
    <message>
        <source>the picked cameras have no lines</source>
        <translation>các camera đã chọn không có vạch</translation>
    </message>
    <message>
        <source>the picked cameras have no routes</source>
        <translation>các camera đã chọn không có lộ trình</translation>
    </message>
    <message>
        <source>no sites yet: add them in Admin → Sites…</source>
        <translation>chưa có khu nào: thêm trong Quản trị → Khu…</translation>
    </message>
    <message>
        <source>Also tell the targets when it is resolved</source>
        <translation>Báo cho nơi nhận cả khi cảnh báo kết thúc</translation>
    </message>
    <message>
        <source>Rule id</source>
        <translation>Mã quy tắc</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Mức độ</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>none ticked: every camera</source>
        <translation>không đánh dấu: mọi camera</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every zone</source>
        <translation>của các camera đã đánh dấu; không đánh dấu: mọi vùng</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every line</source>
        <translation>của các camera đã đánh dấu; không đánh dấu: mọi vạch</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>Lộ trình</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every route</source>
        <translation>của các camera đã đánh dấu; không đánh dấu: mọi lộ trình</translation>
    </message>
    <message>
        <source>Zones</source>
        <translation>Vùng</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>Vạch</translation>
    </message>
    <message>
        <source>Sites</source>
        <translation>Khu</translation>
    </message>
    <message>
        <source>none ticked: every site</source>
        <translation>không chọn: mọi khu</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Hướng</translation>
    </message>
    <message>
        <source>Worker roles</source>
        <translation>Vai trò worker</translation>
    </message>
    <message>
        <source>e.g. detector, camera; empty: all</source>
        <translation>ví dụ detector, camera; để trống: tất cả</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>Hàng đợi</translation>
    </message>
    <message>
        <source>e.g. camera.detection.results</source>
        <translation>ví dụ camera.detection.results</translation>
    </message>
    <message>
        <source>More than</source>
        <translation>Nhiều hơn</translation>
    </message>
    <message>
        <source>Fewer than</source>
        <translation>Ít hơn</translation>
    </message>
    <message>
        <source>Grown by at least</source>
        <translation>Tăng ít nhất</translation>
    </message>
    <message>
        <source>Within (s)</source>
        <translation>Trong vòng (giây)</translation>
    </message>
    <message>
        <source>For at least T (s)</source>
        <translation>Kéo dài ít nhất T (giây)</translation>
    </message>
    <message>
        <source>a shorter blip raises nothing</source>
        <translation>thoáng qua ngắn hơn thì không báo</translation>
    </message>
    <message>
        <source>Hysteresis (people)</source>
        <translation>Độ trễ ngưỡng (người)</translation>
    </message>
    <message>
        <source>once raised, over only at &apos;More than&apos; minus this, or fewer</source>
        <translation>khi đã báo, chỉ kết thúc khi xuống tới &apos;Nhiều hơn&apos; trừ đi số này, hoặc ít hơn</translation>
    </message>
    <message>
        <source>No data after (s)</source>
        <translation>Không có dữ liệu sau (giây)</translation>
    </message>
    <message>
        <source>Cooldown (s)</source>
        <translation>Thời gian chờ (giây)</translation>
    </message>
    <message>
        <source>after an alert, none for the same subject within this time</source>
        <translation>sau một cảnh báo, không báo lại cho cùng đối tượng trong thời gian này</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>Thông báo tới</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Thiết lập</translation>
    </message>
    <message>
        <source>Local mode: workers inside the console, sample video</source>
        <translation>Chế độ cục bộ: worker chạy trong bảng điều khiển, video mẫu</translation>
    </message>
    <message>
        <source>RabbitMQ broker</source>
        <translation>Broker RabbitMQ</translation>
    </message>
    <message>
        <source>amqp://user@host:5672/vhost  or  amqps://…</source>
        <translation>amqp://user@host:5672/vhost  hoặc  amqps://…</translation>
    </message>
    <message>
        <source>The password comes from the URL, ${variable} or the OS keyring (service “{service}”); it is never saved in the settings.</source>
        <translation>Mật khẩu lấy từ URL, ${variable} hoặc kho khóa của hệ điều hành (dịch vụ “{service}”); nó không bao giờ được lưu trong thiết lập.</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Theo hệ thống</translation>
    </message>
    <message>
        <source>Applies the next time the console starts</source>
        <translation>Có hiệu lực từ lần mở bảng điều khiển tới</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
</context>
<context>
    <name>SettingsForm</name>
    <message>
        <source>where the notifier finds it: env:VARIABLE or keyring:service/username on its machine, never the password itself; empty: no login</source>
        <translation>nơi worker gửi thông báo tìm mật khẩu: env:BIẾN hoặc keyring:dịch_vụ/tên_người_dùng trên máy của nó, không bao giờ ghi chính mật khẩu; để trống: không đăng nhập</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Múi giờ</translation>
    </message>
    <message>
        <source>Language of reports and notifications</source>
        <translation>Ngôn ngữ của báo cáo và thông báo</translation>
    </message>
    <message>
        <source>none</source>
        <translation>không có</translation>
    </message>
    <message>
        <source>SMTP server</source>
        <translation>Máy chủ SMTP</translation>
    </message>
    <message>
        <source>none: email cannot be sent</source>
        <translation>không có: không gửi được email</translation>
    </message>
    <message>
        <source>SMTP login</source>
        <translation>Đăng nhập SMTP</translation>
    </message>
    <message>
        <source>SMTP password</source>
        <translation>Mật khẩu SMTP</translation>
    </message>
    <message>
        <source>Sender</source>
        <translation>Người gửi</translation>
    </message>
    <message>
        <source>SMTP timeout</source>
        <translation>Thời gian chờ SMTP</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n} giây</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>Tệp CA</translation>
    </message>
    <message>
        <source>the system&apos;s</source>
        <translation>của hệ thống</translation>
    </message>
    <message>
        <source>All {channel} sends</source>
        <translation>Mọi lần gửi {channel}</translation>
    </message>
    <message>
        <source>at most {limit}</source>
        <translation>tối đa {limit}</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>không giới hạn</translation>
    </message>
    <message>
        <source>Circuit breaker</source>
        <translation>Ngắt tạm thời</translation>
    </message>
    <message>
        <source>pause a target after {n} failed sends in a row, for {seconds} s</source>
        <translation>tạm dừng nơi nhận sau {n} lần gửi lỗi liên tiếp, trong {seconds} giây</translation>
    </message>
    <message>
        <source>Site settings</source>
        <translation>Thiết lập cơ sở</translation>
    </message>
    <message>
        <source>Send email through an SMTP server</source>
        <translation>Gửi email qua máy chủ SMTP</translation>
    </message>
    <message>
        <source>times in emails, and the hour of scheduled reports</source>
        <translation>giờ trong email và giờ gửi báo cáo định kỳ</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <source>of emails, webhook texts and reports</source>
        <translation>của email, nội dung webhook và báo cáo</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Cổng</translation>
    </message>
    <message>
        <source>587 with STARTTLS, 465 with TLS</source>
        <translation>587 với STARTTLS, 465 với TLS</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Bảo mật</translation>
    </message>
    <message>
        <source>starttls: upgraded plain connection; tls: TLS from the start; none: loopback only</source>
        <translation>starttls: nâng cấp kết nối thường; tls: TLS ngay từ đầu; none: chỉ dùng cho loopback</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <source>empty: no login</source>
        <translation>để trống: không đăng nhập</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Mật khẩu</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>Thời gian chờ (giây)</translation>
    </message>
    <message>
        <source>a site&apos;s own CA bundle on the notifier&apos;s machine; empty: the system&apos;s</source>
        <translation>bộ CA riêng của cơ sở trên máy gửi thông báo; để trống: dùng của hệ thống</translation>
    </message>
    <message>
        <source>All {channel}: at most</source>
        <translation>Mọi {channel}: tối đa</translation>
    </message>
    <message>
        <source>sends over all targets (empty: no limit)</source>
        <translation>lần gửi trên mọi nơi nhận (để trống: không giới hạn)</translation>
    </message>
    <message>
        <source>per (s)</source>
        <translation>mỗi (giây)</translation>
    </message>
    <message>
        <source>Pause a target after</source>
        <translation>Tạm dừng nơi nhận sau</translation>
    </message>
    <message>
        <source>failed sends in a row</source>
        <translation>lần gửi lỗi liên tiếp</translation>
    </message>
    <message>
        <source>for (s)</source>
        <translation>trong (giây)</translation>
    </message>
    <message>
        <source>then one probe is let through; its success resumes the target</source>
        <translation>sau đó cho thử một lần; nếu thành công thì nơi nhận hoạt động lại</translation>
    </message>
    <message>
        <source>The notifier says: {problem}</source>
        <translation>Worker gửi thông báo báo: {problem}</translation>
    </message>
</context>
<context>
    <name>SiteEditor</name>
    <message>
        <source>Sites</source>
        <translation>Khu</translation>
    </message>
    <message>
        <source>Add site</source>
        <translation>Thêm khu</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>e.g. Shop floor</source>
        <translation>vd. Khu bán hàng</translation>
    </message>
    <message>
        <source>the cameras have no lines</source>
        <translation>các camera không có đường đếm</translation>
    </message>
    <message>
        <source>the cameras have no zones</source>
        <translation>các camera không có vùng</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>không giới hạn</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Site id</source>
        <translation>Mã khu</translation>
    </message>
    <message>
        <source>Doors</source>
        <translation>Cửa</translation>
    </message>
    <message>
        <source>a line of a camera, and which way across it enters the site</source>
        <translation>một đường đếm của camera, và hướng băng qua nào là đi vào khu</translation>
    </message>
    <message>
        <source>Zones</source>
        <translation>Vùng</translation>
    </message>
    <message>
        <source>people in these zones are inside the site too</source>
        <translation>người trong các vùng này cũng tính là ở trong khu</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>Số người</translation>
    </message>
    <message>
        <source>Maximum occupancy</source>
        <translation>Số người tối đa</translation>
    </message>
    <message>
        <source>the limit the site&apos;s alert rules use unless they set their own</source>
        <translation>giới hạn mà các quy tắc cảnh báo của khu dùng nếu không tự đặt</translation>
    </message>
    <message>
        <source>Save site</source>
        <translation>Lưu khu</translation>
    </message>
    <message>
        <source>{line} on {camera}: its &apos;{way}&apos; crossing enters</source>
        <translation>{line} trên {camera}: băng qua theo hướng &apos;{way}&apos; là đi vào</translation>
    </message>
    <message>
        <source>{zone} on {camera}</source>
        <translation>{zone} trên {camera}</translation>
    </message>
    <message>
        <source>Correct the fields marked in red</source>
        <translation>Hãy sửa các ô được đánh dấu đỏ</translation>
    </message>
    <message>
        <source>Delete site</source>
        <translation>Xóa khu</translation>
    </message>
    <message>
        <source>Delete the site {name}? Its alert rules no longer watch it.</source>
        <translation>Xóa khu {name}? Các quy tắc cảnh báo sẽ không theo dõi khu này nữa.</translation>
    </message>
</context>
<context>
    <name>SitesController</name>
    <message>
        <source>The sites could not be read: {why}</source>
        <translation>Không đọc được các khu: {why}</translation>
    </message>
    <message>
        <source>Not saved: {why}</source>
        <translation>Chưa lưu: {why}</translation>
    </message>
    <message>
        <source>Site {name} saved.</source>
        <translation>Đã lưu khu {name}.</translation>
    </message>
    <message>
        <source>Not deleted: {why}</source>
        <translation>Chưa xóa: {why}</translation>
    </message>
</context>
<context>
    <name>TargetForm</name>
    <message>
        <source>Where the notifier finds the HMAC signing key: env:VARIABLE (an environment variable of the notifier) or keyring:service/username (its OS keyring). The key stays on the notifier&apos;s machine; it is never sent or shown.</source>
        <translation>Nơi worker gửi thông báo tìm khóa ký HMAC: env:BIẾN (biến môi trường của worker) hoặc keyring:dịch_vụ/tên_người_dùng (kho khóa hệ điều hành của nó). Khóa chỉ nằm trên máy gửi thông báo; không bao giờ được gửi đi hay hiển thị.</translation>
    </message>
    <message>
        <source>Edit target {target}</source>
        <translation>Sửa nơi nhận {target}</translation>
    </message>
    <message>
        <source>Add notification target</source>
        <translation>Thêm nơi nhận thông báo</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>không giới hạn</translation>
    </message>
    <message>
        <source>Target id</source>
        <translation>Mã nơi nhận</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kênh</translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation>Người nhận</translation>
    </message>
    <message>
        <source>email addresses, comma-separated</source>
        <translation>địa chỉ email, cách nhau bằng dấu phẩy</translation>
    </message>
    <message>
        <source>Cc</source>
        <translation>Cc</translation>
    </message>
    <message>
        <source>Webhook URL</source>
        <translation>URL webhook</translation>
    </message>
    <message>
        <source>Signing secret</source>
        <translation>Khóa ký</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>Thời gian chờ (giây)</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Số lần thử</translation>
    </message>
    <message>
        <source>Rate limit: at most</source>
        <translation>Giới hạn tần suất: tối đa</translation>
    </message>
    <message>
        <source>sends (empty: no limit)</source>
        <translation>lần gửi (để trống: không giới hạn)</translation>
    </message>
    <message>
        <source>per (s)</source>
        <translation>mỗi (giây)</translation>
    </message>
    <message>
        <source>The notifier says: {problem}</source>
        <translation>Worker gửi thông báo báo: {problem}</translation>
    </message>
</context>
<context>
    <name>TileView</name>
    <message>
        <source>Drop a camera here</source>
        <translation>Thả camera vào đây</translation>
    </message>
    <message>
        <source>NO SIGNAL</source>
        <translation>MẤT TÍN HIỆU</translation>
    </message>
    <message>
        <source>RECONNECTING…</source>
        <translation>ĐANG KẾT NỐI LẠI…</translation>
    </message>
    <message>
        <source>Waiting for the first frame…</source>
        <translation>Đang chờ khung hình đầu tiên…</translation>
    </message>
    <message>
        <source>NO CAMERA WORKER</source>
        <translation>KHÔNG CÓ WORKER CAMERA</translation>
    </message>
    <message>
        <source>last frame {time} ({ago} ago)</source>
        <translation>khung hình cuối lúc {time} ({ago} trước)</translation>
    </message>
    <message>
        <source>no frame received yet</source>
        <translation>chưa nhận được khung hình nào</translation>
    </message>
    <message>
        <source>{fps} fps</source>
        <translation>{fps} fps</translation>
    </message>
    <message>
        <source>RECONNECTING</source>
        <translation>ĐANG KẾT NỐI LẠI</translation>
    </message>
    <message>
        <source>WAITING</source>
        <translation>ĐANG CHỜ</translation>
    </message>
    <message>
        <source>latency {ms} ms</source>
        <translation>độ trễ {ms} ms</translation>
    </message>
    <message>
        <source>latency –</source>
        <translation>độ trễ –</translation>
    </message>
    <message>
        <source>in {n_in} · out {n_out}</source>
        <translation>vào {n_in} · ra {n_out}</translation>
    </message>
    <message>
        <source>no detection results yet</source>
        <translation>chưa có kết quả phát hiện</translation>
    </message>
    <message>
        <source>no detection results for {n} s: is a detector running?</source>
        <translation>không có kết quả phát hiện trong {n} giây: bộ phát hiện có đang chạy không?</translation>
    </message>
    <message>
        <source>FACES SHOWN · this view is logged</source>
        <translation>ĐANG HIỆN KHUÔN MẶT · lượt xem này được ghi lại</translation>
    </message>
    <message>
        <source>people hidden</source>
        <translation>đã che người</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n} giây</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} phút</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n} giờ</translation>
    </message>
</context>
<context>
    <name>WallController</name>
    <message>
        <source>Heatmap: asking analytics…</source>
        <translation>Bản đồ nhiệt: đang hỏi phân tích…</translation>
    </message>
</context>
<context>
    <name>WallView</name>
    <message>
        <source>Back to the wall</source>
        <translation>Quay lại tường video</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Toàn màn hình</translation>
    </message>
    <message>
        <source>Remove from the wall</source>
        <translation>Bỏ khỏi tường video</translation>
    </message>
    <message>
        <source>Heatmap (last 24 h)</source>
        <translation>Bản đồ nhiệt (24 giờ qua)</translation>
    </message>
    <message>
        <source>Show faces (each view is logged)</source>
        <translation>Hiện khuôn mặt (mỗi lượt xem được ghi lại)</translation>
    </message>
</context>
<context>
    <name>ZoneCanvas</name>
    <message>
        <source>Drag corners or shapes · double-click an edge to add a corner · click an arrow to flip in/out · right-click to delete · wheel zooms</source>
        <translation>Kéo đỉnh hoặc hình · nhấp đúp vào cạnh để thêm đỉnh · bấm mũi tên để đổi vào/ra · chuột phải để xóa · lăn chuột để phóng to</translation>
    </message>
    <message>
        <source>Click the line&apos;s two ends; the arrow shows which way is &quot;in&quot;</source>
        <translation>Bấm vào hai đầu của vạch; mũi tên chỉ hướng &quot;vào&quot;</translation>
    </message>
    <message>
        <source>Click the corners; click the first corner again, double-click or press Enter to close · Esc cancels</source>
        <translation>Bấm vào các đỉnh; bấm lại đỉnh đầu tiên, nhấp đúp hoặc nhấn Enter để khép vùng · Esc để hủy</translation>
    </message>
    <message>
        <source>Delete corner</source>
        <translation>Xóa đỉnh</translation>
    </message>
    <message>
        <source>Flip in/out</source>
        <translation>Đổi vào/ra</translation>
    </message>
    <message>
        <source>Delete line “{name}”</source>
        <translation>Xóa vạch “{name}”</translation>
    </message>
    <message>
        <source>Delete zone “{name}”</source>
        <translation>Xóa vùng “{name}”</translation>
    </message>
    <message>
        <source>Click the corners of a region to hide in every picture (it counts nothing); click the first corner again, double-click or press Enter to close · Esc cancels</source>
        <translation>Nhấp các góc của vùng cần che trong mọi hình ảnh (vùng này không đếm gì); nhấp lại góc đầu tiên, nhấp đúp hoặc nhấn Enter để đóng · Esc để hủy</translation>
    </message>
    <message>
        <source>Delete privacy mask “{name}”</source>
        <translation>Xóa mặt nạ riêng tư “{name}”</translation>
    </message>
    <message>
        <source>No picture from this camera: drawing on a blank {width}×{height} frame</source>
        <translation>Camera này không có hình: đang vẽ trên khung trống {width}×{height}</translation>
    </message>
    <message>
        <source>in</source>
        <translation>vào</translation>
    </message>
</context>
<context>
    <name>ZoneEditor</name>
    <message>
        <source>Zones of {camera} — CamCount</source>
        <translation>Vùng của {camera} — CamCount</translation>
    </message>
    <message>
        <source>every class the detector reports</source>
        <translation>mọi lớp đối tượng mà bộ phát hiện báo</translation>
    </message>
    <message>
        <source>COCO class names, comma-separated (person, car, …)</source>
        <translation>tên lớp COCO, cách nhau bằng dấu phẩy (person, car, …)</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>Màu…</translation>
    </message>
    <message>
        <source>Flip in/out</source>
        <translation>Đổi vào/ra</translation>
    </message>
    <message>
        <source>Delete shape</source>
        <translation>Xóa hình</translation>
    </message>
    <message>
        <source>Delete the routes too?</source>
        <translation>Xóa cả các lộ trình?</translation>
    </message>
    <message>
        <source>Delete with its routes</source>
        <translation>Xóa cùng các lộ trình</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Lưu</translation>
    </message>
    <message>
        <source>Load stored zones</source>
        <translation>Tải vùng đã lưu</translation>
    </message>
    <message>
        <source>Ask the analytics worker for the stored version and draw on it</source>
        <translation>Hỏi worker phân tích phiên bản đã lưu và vẽ trên đó</translation>
    </message>
    <message>
        <source>Lines and zones</source>
        <translation>Vạch và vùng</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>Lớp đối tượng</translation>
    </message>
    <message>
        <source>Freezing the camera&apos;s picture…</source>
        <translation>Đang chụp hình từ camera…</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>Chọn</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>Vạch</translation>
    </message>
    <message>
        <source>Zone</source>
        <translation>Vùng</translation>
    </message>
    <message>
        <source>Privacy mask</source>
        <translation>Mặt nạ riêng tư</translation>
    </message>
    <message>
        <source>Privacy mask (M): a region always hidden in every picture; it counts nothing</source>
        <translation>Mặt nạ riêng tư (M): một vùng luôn bị che trong mọi hình ảnh; không đếm gì</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Hoàn tác</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Làm lại</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Phóng to</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Thu nhỏ</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Vừa khung</translation>
    </message>
    <message>
        <source>New frame</source>
        <translation>Khung hình mới</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>Nhập…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Xuất…</translation>
    </message>
    <message>
        <source>No new frame from the camera; keeping the old one</source>
        <translation>Camera không gửi khung hình mới; giữ khung hình cũ</translation>
    </message>
    <message>
        <source>The camera now sends {width}×{height} frames; reopen the editor to draw on them</source>
        <translation>Camera giờ gửi khung hình {width}×{height}; hãy mở lại trình chỉnh sửa để vẽ trên đó</translation>
    </message>
    <message>
        <source>Save version {version}</source>
        <translation>Lưu phiên bản {version}</translation>
    </message>
    <message>
        <source>Save (stored version unknown)</source>
        <translation>Lưu (chưa rõ phiên bản đã lưu)</translation>
    </message>
    <message>
        <source>The analytics worker did not say which version is stored: “Load stored zones” asks again</source>
        <translation>Worker phân tích chưa cho biết phiên bản nào đã được lưu: “Tải vùng đã lưu” sẽ hỏi lại</translation>
    </message>
    <message>
        <source>Fix the shapes marked in red first</source>
        <translation>Hãy sửa các hình được đánh dấu đỏ trước</translation>
    </message>
    <message>
        <source>Store these lines and zones as the next version; the detectors count with it once stored</source>
        <translation>Lưu các vạch và vùng này thành phiên bản tiếp theo; bộ phát hiện đếm theo nó ngay khi lưu xong</translation>
    </message>
    <message>
        <source>Colour of {shape}</source>
        <translation>Màu của {shape}</translation>
    </message>
    <message>
        <source>{shape} is a step of these routes:
{routes}

Deleting it deletes them too (one Undo brings all back).</source>
        <translation>{shape} là một bước của các lộ trình sau:
{routes}

Xóa nó sẽ xóa cả chúng (một lần Hoàn tác sẽ khôi phục tất cả).</translation>
    </message>
    <message>
        <source>Deleted {shape} and the routes {routes}; Undo brings them back</source>
        <translation>Đã xóa {shape} và các lộ trình {routes}; Hoàn tác sẽ khôi phục chúng</translation>
    </message>
    <message>
        <source>Not exported: {reason}</source>
        <translation>Chưa xuất: {reason}</translation>
    </message>
    <message>
        <source>Exported to {path} (count-video --zones reads it)</source>
        <translation>Đã xuất ra {path} (count-video --zones đọc được tệp này)</translation>
    </message>
    <message>
        <source>Not imported from {file}: {reason}</source>
        <translation>Chưa nhập từ {file}: {reason}</translation>
    </message>
    <message>
        <source>Imported {n} shapes from {file}; Save publishes them</source>
        <translation>Đã nhập {n} hình từ {file}; bấm Lưu để áp dụng</translation>
    </message>
    <message>
        <source>Export zones</source>
        <translation>Xuất vùng</translation>
    </message>
    <message>
        <source>Zone sets (*.json)</source>
        <translation>Bộ vùng (*.json)</translation>
    </message>
    <message>
        <source>Import zones</source>
        <translation>Nhập vùng</translation>
    </message>
    <message>
        <source>Nothing changed since version {version}</source>
        <translation>Không có gì thay đổi so với phiên bản {version}</translation>
    </message>
</context>
<context>
    <name>ZoneEditorController</name>
    <message>
        <source>the analytics worker, which stores zone versions, did not answer, so the stored version of these zones is not known</source>
        <translation>worker phân tích, nơi lưu các phiên bản vùng, không phản hồi, nên chưa biết phiên bản vùng đã lưu</translation>
    </message>
    <message>
        <source>Waiting for a frame from the camera…</source>
        <translation>Đang chờ khung hình từ camera…</translation>
    </message>
    <message>
        <source>Line {n}</source>
        <translation>Vạch {n}</translation>
    </message>
    <message>
        <source>Zone {n}</source>
        <translation>Vùng {n}</translation>
    </message>
    <message>
        <source>Mask {n}</source>
        <translation>Mặt nạ {n}</translation>
    </message>
    <message>
        <source>zones version {version}</source>
        <translation>vùng phiên bản {version}</translation>
    </message>
    <message>
        <source>no zones saved yet</source>
        <translation>chưa lưu vùng nào</translation>
    </message>
    <message>
        <source>showing version {version} as this console last saw it</source>
        <translation>đang hiện phiên bản {version} như bảng điều khiển này thấy lần cuối</translation>
    </message>
    <message>
        <source>showing no shapes</source>
        <translation>không hiện hình nào</translation>
    </message>
    <message>
        <source>Not saving: {why} ({seen}). Draw or Export; “Load stored zones” asks again.</source>
        <translation>Chưa thể lưu: {why} ({seen}). Hãy vẽ hoặc Xuất; “Tải vùng đã lưu” sẽ hỏi lại.</translation>
    </message>
    <message>
        <source>No frame from camera {camera} within {seconds} s (offline or not sending): drawing on a blank frame; {zones}</source>
        <translation>Không có khung hình từ camera {camera} trong {seconds} giây (mất kết nối hoặc không gửi): đang vẽ trên khung trống; {zones}</translation>
    </message>
    <message>
        <source>Frame frozen ({width}×{height}); {zones}</source>
        <translation>Đã giữ khung hình ({width}×{height}); {zones}</translation>
    </message>
    <message>
        <source>Still not saving: {why}.</source>
        <translation>Vẫn chưa thể lưu: {why}.</translation>
    </message>
    <message>
        <source>Loaded the stored zones (version {version}) in place of the drawing, which Undo brings back</source>
        <translation>Đã tải vùng đã lưu (phiên bản {version}) thay cho bản vẽ; Hoàn tác sẽ lấy lại bản vẽ</translation>
    </message>
    <message>
        <source>The stored zones are version {version}, the ones this drawing started from: Save is on</source>
        <translation>Vùng đã lưu là phiên bản {version}, đúng bản mà bản vẽ này bắt đầu: có thể Lưu</translation>
    </message>
    <message>
        <source>Not saved: {why}.</source>
        <translation>Chưa lưu: {why}.</translation>
    </message>
    <message>
        <source>Not saved: {why}</source>
        <translation>Chưa lưu: {why}</translation>
    </message>
    <message>
        <source>Not saved. {why}</source>
        <translation>Chưa lưu. {why}</translation>
    </message>
    <message>
        <source>Not saved: the analytics worker, which stores zone versions, did not answer, and the detectors were sent nothing. The drawing stays here: “Load stored zones” once it is back, or Export it.</source>
        <translation>Chưa lưu: worker phân tích, nơi lưu các phiên bản vùng, không phản hồi, và chưa gửi gì tới bộ phát hiện. Bản vẽ vẫn ở đây: bấm “Tải vùng đã lưu” khi worker hoạt động lại, hoặc Xuất nó ra.</translation>
    </message>
    <message>
        <source>Not saved: {why}. “Load stored zones” replaces the drawing with them (Undo brings it back).</source>
        <translation>Chưa lưu: {why}. “Tải vùng đã lưu” sẽ thay bản vẽ bằng các vùng đó (Hoàn tác để lấy lại).</translation>
    </message>
    <message>
        <source>Saved version {version}: stored, and the detectors count with it from their next frame</source>
        <translation>Đã lưu phiên bản {version}: bộ phát hiện đếm theo nó từ khung hình kế tiếp</translation>
    </message>
</context>
</TS>
