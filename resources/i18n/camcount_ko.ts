<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>AdminAccess</name>
    <message>
        <source>Not allowed for this account{account}: it may not send control messages, so it cannot change cameras, zones, alert rules or notification targets. Ask an admin, or connect with an admin account.</source>
        <translation>이 계정은 권한이 없습니다{account}: 제어 메시지를 보낼 수 없으므로 카메라, 구역, 경보 규칙, 알림 수신처를 변경할 수 없습니다. 관리자에게 요청하거나 관리자 계정으로 접속하십시오.</translation>
    </message>
    <message>
        <source>nobody is listening for control messages (no camera, detector or analytics worker is connected); nothing was changed</source>
        <translation>제어 메시지를 받는 곳이 없습니다(카메라·감지기·분석 워커가 연결되어 있지 않음). 아무것도 변경되지 않았습니다</translation>
    </message>
    <message>
        <source>not sent: {why}</source>
        <translation>전송 안 됨: {why}</translation>
    </message>
</context>
<context>
    <name>AdminMenu</name>
    <message>
        <source>&amp;Admin</source>
        <translation>관리(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Cameras…</source>
        <translation>카메라(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Zones of</source>
        <translation>구역 편집(&amp;Z)</translation>
    </message>
    <message>
        <source>&amp;Sites…</source>
        <translation>사이트(&amp;S)…</translation>
    </message>
    <message>
        <source>Alert &amp;rules and targets…</source>
        <translation>경보 규칙 및 수신처(&amp;R)…</translation>
    </message>
    <message>
        <source>Admin actions: not allowed for this account</source>
        <translation>관리 작업: 이 계정에는 허용되지 않음</translation>
    </message>
    <message>
        <source>(no cameras yet)</source>
        <translation>(카메라 없음)</translation>
    </message>
</context>
<context>
    <name>AlertDetailView</name>
    <message>
        <source>Live</source>
        <translation>실시간</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>메모(선택)</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>Click an alert to see what happened: its snapshot and its camera live.</source>
        <translation>경보를 클릭하면 무슨 일이 있었는지 볼 수 있습니다. 스냅샷과 카메라 실시간 영상.</translation>
    </message>
    <message>
        <source>This alert is not about a camera: there is no picture of it.</source>
        <translation>이 경보는 카메라에 관한 것이 아니어서 영상이 없습니다.</translation>
    </message>
    <message>
        <source>Asking for the snapshot…</source>
        <translation>스냅샷을 요청하는 중…</translation>
    </message>
    <message>
        <source>No alert chosen</source>
        <translation>선택한 경보 없음</translation>
    </message>
    <message>
        <source>no camera</source>
        <translation>카메라 없음</translation>
    </message>
    <message>
        <source>{severity} · {camera} · {time}</source>
        <translation>{severity} · {camera} · {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <source>Resolved at {time}</source>
        <translation>{time} 해제</translation>
    </message>
    <message>
        <source>acknowledged by {who} at {time}</source>
        <translation>{who}이(가) {time}에 확인</translation>
    </message>
    <message>
        <source>note: “{note}”</source>
        <translation>메모: “{note}”</translation>
    </message>
    <message>
        <source>not acknowledged</source>
        <translation>미확인</translation>
    </message>
    <message>
        <source>No snapshot: {why}</source>
        <translation>스냅샷 없음: {why}</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>스냅샷</translation>
    </message>
    <message>
        <source>Snapshot at {time}</source>
        <translation>{time} 스냅샷</translation>
    </message>
    <message>
        <source>, {seconds} s before the alert</source>
        <translation>, 경보 {seconds}초 전</translation>
    </message>
</context>
<context>
    <name>AlertingDialog</name>
    <message>
        <source>Setting</source>
        <translation>설정 항목</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>sending ({n} failed in a row)</source>
        <translation>전송 중(연속 {n}회 실패)</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>전송 중</translation>
    </message>
    <message>
        <source>paused, probing with the next send</source>
        <translation>일시 중지됨, 다음 전송으로 재시험</translation>
    </message>
    <message>
        <source>paused until {time} after {n} failures</source>
        <translation>{n}회 실패 후 {time}까지 일시 중지됨</translation>
    </message>
    <message>
        <source>paused after {n} failures</source>
        <translation>{n}회 실패 후 일시 중지됨</translation>
    </message>
    <message>
        <source>&gt; the site&apos;s maximum</source>
        <translation>&gt; 사이트 최대치</translation>
    </message>
    <message>
        <source>in {n} s</source>
        <translation>{n}초 이내</translation>
    </message>
    <message>
        <source>for {n} s</source>
        <translation>{n}초 동안</translation>
    </message>
    <message>
        <source>cooldown {n} s</source>
        <translation>재경보 대기 {n}초</translation>
    </message>
    <message>
        <source>cameras</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>zones</source>
        <translation>구역</translation>
    </message>
    <message>
        <source>lines</source>
        <translation>라인</translation>
    </message>
    <message>
        <source>roles</source>
        <translation>역할</translation>
    </message>
    <message>
        <source>queues</source>
        <translation>큐</translation>
    </message>
    <message>
        <source>sites</source>
        <translation>사이트</translation>
    </message>
    <message>
        <source>all</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>delivered{code} in {ms} ms</source>
        <translation>전달됨{code}, {ms}ms</translation>
    </message>
    <message>
        <source>failed: {why}</source>
        <translation>실패: {why}</translation>
    </message>
    <message>
        <source>Alert rules and notification targets</source>
        <translation>경보 규칙 및 알림 수신처</translation>
    </message>
    <message>
        <source>Add rule…</source>
        <translation>규칙 추가…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>편집…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Add target…</source>
        <translation>수신처 추가…</translation>
    </message>
    <message>
        <source>Edit settings…</source>
        <translation>설정 편집…</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>다시 불러오기</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>규칙</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>수신처</translation>
    </message>
    <message>
        <source>Site settings</source>
        <translation>사이트 설정</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>예</translation>
    </message>
    <message>
        <source>no</source>
        <translation>아니요</translation>
    </message>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>Send test notification</source>
        <translation>테스트 알림 보내기</translation>
    </message>
    <message>
        <source>version {version}, saved by {person}</source>
        <translation>버전 {version}, 저장: {person}</translation>
    </message>
    <message>
        <source>version {version}</source>
        <translation>버전 {version}</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>규칙</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>조건</translation>
    </message>
    <message>
        <source>Watches</source>
        <translation>감시 대상</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>알림 대상</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>사용</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>수신처</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>채널</translation>
    </message>
    <message>
        <source>Sends to</source>
        <translation>보낼 곳</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>전송 빈도 제한</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>비밀 키</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>테스트</translation>
    </message>
    <message>
        <source>Last test</source>
        <translation>최근 테스트</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>전달 상태</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>{what} saved: version {version} is in force</source>
        <translation>{what} 저장됨: 버전 {version} 적용 중</translation>
    </message>
    <message>
        <source>Rule {rule} deleted</source>
        <translation>규칙 {rule} 삭제됨</translation>
    </message>
    <message>
        <source>Target {target} deleted</source>
        <translation>수신처 {target} 삭제됨</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>전송 중…</translation>
    </message>
    <message>
        <source>Sending a test notification to {target}…</source>
        <translation>{target}(으)로 테스트 알림 전송 중…</translation>
    </message>
    <message>
        <source>Test to {target} {outcome}</source>
        <translation>{target} 테스트: {outcome}</translation>
    </message>
</context>
<context>
    <name>AlertsController</name>
    <message>
        <source>could not acknowledge: {why}</source>
        <translation>확인 처리 실패: {why}</translation>
    </message>
</context>
<context>
    <name>AlertsView</name>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>심각</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>주의</translation>
    </message>
    <message>
        <source>info</source>
        <translation>정보</translation>
    </message>
    <message>
        <source>click a camera to show it</source>
        <translation>카메라를 클릭하면 화면에 표시</translation>
    </message>
    <message>
        <source>Acknowledge selected</source>
        <translation>선택 항목 확인</translation>
    </message>
    <message>
        <source>Acknowledge all</source>
        <translation>모두 확인</translation>
    </message>
    <message>
        <source>All</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>해제됨</translation>
    </message>
    <message>
        <source>which alerts to list</source>
        <translation>목록에 표시할 경보</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>표시</translation>
    </message>
    <message>
        <source>{person} at {time}</source>
        <translation>{person}, {time}</translation>
    </message>
    <message>
        <source>active</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <source>resolved {time}</source>
        <translation>{time} 해제</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>해제됨</translation>
    </message>
    <message>
        <source>{camera}: click to show it</source>
        <translation>{camera}: 클릭하면 표시</translation>
    </message>
    <message>
        <source>{n} active</source>
        <translation>진행 중 {n}건</translation>
    </message>
    <message>
        <source>none active</source>
        <translation>진행 중인 경보 없음</translation>
    </message>
    <message>
        <source>{n} unacknowledged</source>
        <translation>미확인 {n}건</translation>
    </message>
    <message>
        <source>all acknowledged</source>
        <translation>모두 확인됨</translation>
    </message>
</context>
<context>
    <name>AnalyticsController</name>
    <message>
        <source>This account may not ask the analytics worker. Ask an admin to give it the operator permissions of docs/admin.md, or connect with an admin account.</source>
        <translation>이 계정은 분석 워커에 요청할 수 없습니다. 관리자에게 docs/admin.md의 운영자 권한을 요청하거나 관리자 계정으로 접속하십시오.</translation>
    </message>
    <message>
        <source>The query failed: {why}</source>
        <translation>조회 실패: {why}</translation>
    </message>
    <message>
        <source>Asking the analytics worker for its cameras…</source>
        <translation>분석 워커에 카메라 목록을 요청하는 중…</translation>
    </message>
    <message>
        <source>The analytics worker has no cameras yet: nothing has been counted.</source>
        <translation>분석 워커에 아직 카메라가 없습니다. 집계된 것이 없습니다.</translation>
    </message>
    <message>
        <source>{n} cameras known to the analytics worker; none has counted anything in the last {days} days.</source>
        <translation>분석 워커에 카메라 {n}대가 있으나 최근 {days}일 동안 집계한 카메라가 없습니다.</translation>
    </message>
    <message>
        <source>{n} cameras known to the analytics worker, {c} with counts in the last {days} days.</source>
        <translation>분석 워커에 카메라 {n}대, 최근 {days}일 동안 집계가 있는 카메라 {c}대.</translation>
    </message>
    <message>
        <source>Querying…</source>
        <translation>조회 중…</translation>
    </message>
    <message>
        <source>Nothing counted for {camera} · {shape} in {span}.</source>
        <translation>{span} 동안 {camera} · {shape}에서 집계된 것이 없습니다.</translation>
    </message>
    <message>
        <source>{n} hourly bucket(s)</source>
        <translation>시간 단위 구간 {n}개</translation>
    </message>
    <message>
        <source>{n} daily bucket(s)</source>
        <translation>일 단위 구간 {n}개</translation>
    </message>
    <message>
        <source>{n} weekly bucket(s)</source>
        <translation>주 단위 구간 {n}개</translation>
    </message>
    <message>
        <source>{n} monthly bucket(s)</source>
        <translation>월 단위 구간 {n}개</translation>
    </message>
    <message>
        <source>Site {name}: people inside, {span} ({tz})</source>
        <translation>사이트 {name}: 내부 인원, {span} ({tz})</translation>
    </message>
    <message>
        <source>Nothing to export yet: show a chart first.</source>
        <translation>아직 내보낼 것이 없습니다. 먼저 차트를 표시하십시오.</translation>
    </message>
    <message>
        <source>Export failed: {why}</source>
        <translation>내보내기 실패: {why}</translation>
    </message>
    <message>
        <source>Exported {n} rows to {path}</source>
        <translation>{n}행을 {path}(으)로 내보냄</translation>
    </message>
</context>
<context>
    <name>AnalyticsView</name>
    <message>
        <source>Hourly</source>
        <translation>시간별</translation>
    </message>
    <message>
        <source>Daily</source>
        <translation>일별</translation>
    </message>
    <message>
        <source>Weekly</source>
        <translation>주별</translation>
    </message>
    <message>
        <source>Monthly</source>
        <translation>월별</translation>
    </message>
    <message>
        <source>CamCount — Analytics</source>
        <translation>CamCount — 분석</translation>
    </message>
    <message>
        <source>None: a camera</source>
        <translation>없음: 카메라</translation>
    </message>
    <message>
        <source>Reload cameras</source>
        <translation>카메라 다시 불러오기</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>표시</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV 내보내기…</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Lines/zones</source>
        <translation>라인/구역</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>객체 종류</translation>
    </message>
    <message>
        <source>Buckets</source>
        <translation>집계 단위</translation>
    </message>
    <message>
        <source>From</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>To</source>
        <translation>종료</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>사이트</translation>
    </message>
    <message>
        <source>Heatmap</source>
        <translation>히트맵</translation>
    </message>
    <message>
        <source>Where people walked and stood on the chosen camera and days, over its picture</source>
        <translation>선택한 카메라와 날짜에 사람들이 걷고 머문 곳을 카메라 영상 위에 표시</translation>
    </message>
    <message>
        <source>Line/zone</source>
        <translation>라인/구역</translation>
    </message>
    <message>
        <source>In</source>
        <translation>입장</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>퇴장</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>순증감</translation>
    </message>
    <message>
        <source>All lines</source>
        <translation>모든 라인</translation>
    </message>
    <message>
        <source>All zones</source>
        <translation>모든 구역</translation>
    </message>
    <message>
        <source>Line: {name}</source>
        <translation>라인: {name}</translation>
    </message>
    <message>
        <source>Zone: {name}</source>
        <translation>구역: {name}</translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>모든 객체 종류</translation>
    </message>
    <message>
        <source>No camera to show: the analytics worker has not counted any yet.</source>
        <translation>표시할 카메라가 없습니다. 분석 워커가 아직 집계한 카메라가 없습니다.</translation>
    </message>
    <message>
        <source>The To day is before the From day.</source>
        <translation>종료일이 시작일보다 앞입니다.</translation>
    </message>
    <message>
        <source>Export what is shown</source>
        <translation>표시된 내용 내보내기</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 파일 (*.csv)</translation>
    </message>
    <message>
        <source>all classes</source>
        <translation>모든 객체 종류</translation>
    </message>
    <message>
        <source>Entries {n_in} · Exits {n_out} · Peak inside {peak} · Inside at end {end}</source>
        <translation>입장 {n_in} · 퇴장 {n_out} · 최대 재실 {peak} · 종료 시 재실 {end}</translation>
    </message>
    <message>
        <source>In {n_in} · Out {n_out} · Net {net}</source>
        <translation>입장 {n_in} · 퇴장 {n_out} · 순증감 {net}</translation>
    </message>
    <message>
        <source>Peak inside {peak} · Inside at end {end}</source>
        <translation>최대 내부 인원 {peak} · 종료 시 내부 {end}</translation>
    </message>
    <message>
        <source>corrected {n}</source>
        <translation>보정 {n}</translation>
    </message>
    <message>
        <source>maximum {n}</source>
        <translation>최대 {n}</translation>
    </message>
</context>
<context>
    <name>BucketEventsPanel</name>
    <message>
        <source>List count events</source>
        <translation>집계 이벤트 목록</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Line/zone</source>
        <translation>라인/구역</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>방향</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>객체 종류</translation>
    </message>
    <message>
        <source>Track</source>
        <translation>트랙</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>스냅샷</translation>
    </message>
    <message>
        <source>Choose an event to see its snapshot.</source>
        <translation>이벤트를 선택하면 스냅샷을 볼 수 있습니다.</translation>
    </message>
    <message>
        <source>Count events of bucket</source>
        <translation>구간의 집계 이벤트</translation>
    </message>
    <message>
        <source>{start} · in {n_in} · out {n_out}</source>
        <translation>{start} · 입장 {n_in} · 퇴장 {n_out}</translation>
    </message>
    <message>
        <source>Asking…</source>
        <translation>요청 중…</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>예</translation>
    </message>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>{n} count event(s), {k} with a snapshot</source>
        <translation>집계 이벤트 {n}건, 스냅샷 있는 것 {k}건</translation>
    </message>
    <message>
        <source> (the newest only)</source>
        <translation> (최신 것만)</translation>
    </message>
    <message>
        <source>No snapshot is stored for these events.</source>
        <translation>이 이벤트들에 저장된 스냅샷이 없습니다.</translation>
    </message>
    <message>
        <source>entered</source>
        <translation>진입</translation>
    </message>
    <message>
        <source>left</source>
        <translation>이탈</translation>
    </message>
    <message>
        <source>in</source>
        <translation>입장</translation>
    </message>
    <message>
        <source>out</source>
        <translation>퇴장</translation>
    </message>
    <message>
        <source>Asking for the snapshot…</source>
        <translation>스냅샷을 요청하는 중…</translation>
    </message>
    <message>
        <source>No snapshot: {why}</source>
        <translation>스냅샷 없음: {why}</translation>
    </message>
    <message>
        <source>Track {track} at {time}</source>
        <translation>트랙 {track}, {time}</translation>
    </message>
</context>
<context>
    <name>BusAdapter</name>
    <message>
        <source>cannot follow camera {camera}: {why}</source>
        <translation>카메라 {camera}을(를) 수신할 수 없음: {why}</translation>
    </message>
</context>
<context>
    <name>CameraAdminController</name>
    <message>
        <source>{source} opened but sent no picture</source>
        <translation>{source}이(가) 열렸지만 영상을 보내지 않았습니다</translation>
    </message>
    <message>
        <source>{why} Showing the cameras this console has seen.</source>
        <translation>{why} 이 콘솔이 본 카메라를 표시합니다.</translation>
    </message>
    <message>
        <source>Cameras recorded by the analytics worker: {n}</source>
        <translation>분석 워커에 기록된 카메라: {n}대</translation>
    </message>
    <message>
        <source>the configuration of {camera} is not known here; edit it first</source>
        <translation>여기서는 {camera}의 구성을 알 수 없습니다. 먼저 편집하십시오</translation>
    </message>
    <message>
        <source>cannot open {source}: {why}</source>
        <translation>{source}을(를) 열 수 없음: {why}</translation>
    </message>
</context>
<context>
    <name>CameraAdminDialog</name>
    <message>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>그룹</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>소스</translation>
    </message>
    <message>
        <source>fps</source>
        <translation>fps</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>사용</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Cameras — CamCount</source>
        <translation>카메라 — CamCount</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>추가…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>편집…</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>사용</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>Zones…</source>
        <translation>구역…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>새로 고침</translation>
    </message>
    <message>
        <source>(configuration not known here)</source>
        <translation>(여기서는 구성을 알 수 없음)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>예</translation>
    </message>
    <message>
        <source>no</source>
        <translation>아니요</translation>
    </message>
    <message>
        <source>As its camera worker runs it (started there with --camera): not saved from a console. Edit… saves it, then every console and worker knows it.</source>
        <translation>카메라 워커가 실행하는 그대로(그곳에서 --camera로 시작): 콘솔에서 저장되지 않았습니다. 편집…으로 저장하면 모든 콘솔과 워커가 알게 됩니다.</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>사용 안 함</translation>
    </message>
    <message>
        <source>Not done. {why}</source>
        <translation>처리되지 않음. {why}</translation>
    </message>
    <message>
        <source>{no_worker}: until then it stays unknown</source>
        <translation>{no_worker}: 그때까지 상태는 알 수 없음으로 남습니다</translation>
    </message>
    <message>
        <source>Camera {camera} sent to the camera workers of group {group}</source>
        <translation>카메라 {camera}을(를) {group} 그룹의 카메라 워커로 보냄</translation>
    </message>
    <message>
        <source>(default)</source>
        <translation>(기본)</translation>
    </message>
    <message>
        <source>Camera {camera} reconfigured</source>
        <translation>카메라 {camera} 재구성됨</translation>
    </message>
    <message>
        <source>Camera {camera} disabled</source>
        <translation>카메라 {camera} 사용 중지됨</translation>
    </message>
    <message>
        <source>Camera {camera} enabled</source>
        <translation>카메라 {camera} 사용함</translation>
    </message>
    <message>
        <source>Camera {camera} removed</source>
        <translation>카메라 {camera} 제거됨</translation>
    </message>
</context>
<context>
    <name>CameraForm</name>
    <message>
        <source>Edit camera</source>
        <translation>카메라 편집</translation>
    </message>
    <message>
        <source>Add camera</source>
        <translation>카메라 추가</translation>
    </message>
    <message>
        <source>letters, digits, - and _</source>
        <translation>영문자, 숫자, -, _</translation>
    </message>
    <message>
        <source>rtsp://user:pass@host/stream, http://…/video.mjpg, a file, or 0</source>
        <translation>rtsp://user:pass@host/stream, http://…/video.mjpg, 파일 또는 0</translation>
    </message>
    <message>
        <source>The camera worker started with --group &lt;this&gt; adopts a new camera</source>
        <translation>--group &lt;이 값&gt;으로 시작한 카메라 워커가 새 카메라를 맡습니다</translation>
    </message>
    <message>
        <source>the detector&apos;s default</source>
        <translation>감지기 기본값</translation>
    </message>
    <message>
        <source>the detector&apos;s default (640)</source>
        <translation>감지기 기본값(640)</translation>
    </message>
    <message>
        <source>Smaller is faster but misses small, distant people; HOG ignores it</source>
        <translation>작을수록 빠르지만 작고 먼 사람을 놓칩니다. HOG는 이 값을 무시합니다</translation>
    </message>
    <message>
        <source>Replay a video file endlessly</source>
        <translation>동영상 파일을 계속 반복 재생</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>사용</translation>
    </message>
    <message>
        <source>Test the connection to see a picture</source>
        <translation>연결을 시험하면 영상이 표시됩니다</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>연결 시험</translation>
    </message>
    <message>
        <source>Save a camera that did not connect?</source>
        <translation>연결되지 않은 카메라를 저장하시겠습니까?</translation>
    </message>
    <message>
        <source>Camera id</source>
        <translation>카메라 ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>소스</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>그룹</translation>
    </message>
    <message>
        <source>Analysis fps</source>
        <translation>분석 fps</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>객체 종류</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Input size</source>
        <translation>입력 크기</translation>
    </message>
    <message>
        <source>a camera id is letters, digits, - and _ (at most 64): it names the camera&apos;s queues</source>
        <translation>카메라 ID는 영문자, 숫자, -, _로 최대 64자입니다. 카메라 큐의 이름에 쓰입니다</translation>
    </message>
    <message>
        <source>a name is needed: it is what operators see on the wall</source>
        <translation>이름이 필요합니다. 운영자가 비디오 월에서 보는 이름입니다</translation>
    </message>
    <message>
        <source>{fps} frames per second cannot be analysed: more than 0 and at most {max}</source>
        <translation>초당 {fps}프레임은 분석할 수 없습니다. 0보다 크고 {max} 이하여야 합니다</translation>
    </message>
    <message>
        <source>an input size is a number of pixels, such as 416; empty: the detector&apos;s default</source>
        <translation>입력 크기는 416 같은 픽셀 수입니다. 비우면 감지기 기본값</translation>
    </message>
    <message>
        <source>the source shows *** where its password was (CamCount never stores camera passwords outside the camera workers): type it again</source>
        <translation>소스에서 비밀번호가 ***로 표시됩니다(CamCount는 카메라 워커 외에는 카메라 비밀번호를 저장하지 않음). 다시 입력하십시오</translation>
    </message>
    <message>
        <source>Save {camera} anyway? Its tile will show NO SIGNAL until the source answers.</source>
        <translation>그래도 {camera}을(를) 저장하시겠습니까? 소스가 응답할 때까지 타일에 신호 없음이 표시됩니다.</translation>
    </message>
    <message>
        <source>Connecting to {source}…</source>
        <translation>{source}에 연결 중…</translation>
    </message>
    <message>
        <source>Connection test failed: {reason}</source>
        <translation>연결 시험 실패: {reason}</translation>
    </message>
    <message>
        <source>{width}×{height} from this computer</source>
        <translation>이 컴퓨터에서 본 {width}×{height}</translation>
    </message>
</context>
<context>
    <name>CamerasView</name>
    <message>
        <source>online</source>
        <translation>온라인</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>재연결 중</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>오프라인</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>사용 안 함</translation>
    </message>
    <message>
        <source>no worker</source>
        <translation>워커 없음</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>FPS</source>
        <translation>FPS</translation>
    </message>
    <message>
        <source>Filter cameras</source>
        <translation>카메라 검색</translation>
    </message>
    <message>
        <source>no camera worker serves group {group}: start one with `camcount-worker camera --group {group}`</source>
        <translation>{group} 그룹을 맡는 카메라 워커가 없습니다. `camcount-worker camera --group {group}`로 시작하십시오</translation>
    </message>
    <message>
        <source>no camera worker serves the default group: start one with `camcount-worker camera`</source>
        <translation>기본 그룹을 맡는 카메라 워커가 없습니다. `camcount-worker camera`로 시작하십시오</translation>
    </message>
</context>
<context>
    <name>ConfigEditForm</name>
    <message>
        <source>Correct the fields marked in red</source>
        <translation>빨간색으로 표시된 항목을 고치십시오</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <source>in-process bus (local mode)</source>
        <translation>내부 버스(로컬 모드)</translation>
    </message>
    <message>
        <source>Heatmap: {why}</source>
        <translation>히트맵: {why}</translation>
    </message>
    <message>
        <source>Heatmap: nobody seen in the last 24 h</source>
        <translation>히트맵: 최근 24시간 동안 사람 없음</translation>
    </message>
    <message>
        <source>Heatmap · where people walked · last 24 h ({hours} h of data)</source>
        <translation>히트맵 · 사람들이 걸은 곳 · 최근 24시간(데이터 {hours}시간)</translation>
    </message>
    <message>
        <source>Faces not shown on {camera}: {why}. Seeing faces needs the &apos;see faces&apos; right (docs/privacy.md).</source>
        <translation>{camera}에서 얼굴을 표시하지 않음: {why}. 얼굴을 보려면 &apos;see faces&apos; 권한이 필요합니다(docs/privacy.md).</translation>
    </message>
</context>
<context>
    <name>CountingSettings</name>
    <message>
        <source>feet</source>
        <translation>발</translation>
    </message>
    <message>
        <source>box centre</source>
        <translation>박스 중심</translation>
    </message>
    <message>
        <source>head</source>
        <translation>머리</translation>
    </message>
    <message>
        <source>Counting (all lines)</source>
        <translation>카운팅(모든 라인)</translation>
    </message>
    <message>
        <source>The point of each box that crosses lines and is inside zones: the feet (bottom centre), the box centre or the head (top centre)</source>
        <translation>라인 통과와 구역 안 여부를 판단하는 박스의 점: 발(아래쪽 가운데), 박스 중심, 머리(위쪽 가운데)</translation>
    </message>
    <message>
        <source> frames</source>
        <translation>프레임</translation>
    </message>
    <message>
        <source>Frames beyond the dead band on the new side before a crossing counts</source>
        <translation>라인 통과로 집계하기 전에 불감대 밖 새 쪽에 있어야 하는 프레임 수</translation>
    </message>
    <message>
        <source> % of width</source>
        <translation>% (폭 기준)</translation>
    </message>
    <message>
        <source>A band this wide on each side of every line (shaded on the picture) where a person is on neither side: standing on the line and swaying over it never counts</source>
        <translation>모든 라인 양쪽에 이 폭만큼의 띠(화면에 음영 표시)가 있으며, 그 안의 사람은 어느 쪽에도 속하지 않습니다. 라인 위에 서서 흔들려도 집계되지 않습니다</translation>
    </message>
    <message>
        <source>A track counts only once seen on this many frames, so a detection that flickers for a frame or two never counts</source>
        <translation>트랙은 이만큼의 프레임에서 보인 뒤에만 집계되므로, 한두 프레임 깜박인 감지는 집계되지 않습니다</translation>
    </message>
    <message>
        <source> s</source>
        <translation>초</translation>
    </message>
    <message>
        <source>How long a person the tracker lost (hidden behind someone) is remembered, so that a new track id where they were heading continues them and is not counted again; 0 turns this off</source>
        <translation>추적이 끊긴 사람(다른 사람에 가려짐)을 기억하는 시간. 그 사람이 향하던 곳에 나타난 새 트랙을 같은 사람으로 이어 다시 집계하지 않습니다. 0이면 사용 안 함</translation>
    </message>
    <message>
        <source> × height</source>
        <translation> × 키</translation>
    </message>
    <message>
        <source>How far from where a lost person was heading a new track may appear to continue them, in person heights</source>
        <translation>추적이 끊긴 사람이 향하던 곳에서 새 트랙이 얼마나 떨어져 나타나도 이어 붙일지(사람 키 단위)</translation>
    </message>
    <message>
        <source>A person first seen this close to a line who walks away from it crossed it unseen (hidden behind someone, or lost by the tracker on the line) and is counted; 0 turns this off</source>
        <translation>라인에 이만큼 가까이에서 처음 보인 뒤 라인에서 멀어지는 사람은 보이지 않게 라인을 통과한 것(다른 사람에 가려졌거나 라인 위에서 추적이 끊김)으로 보고 집계합니다. 0이면 사용 안 함</translation>
    </message>
    <message>
        <source>Anchor</source>
        <translation>기준점</translation>
    </message>
    <message>
        <source>Crossing counts after</source>
        <translation>라인 통과 집계 기준</translation>
    </message>
    <message>
        <source>Dead band</source>
        <translation>불감대</translation>
    </message>
    <message>
        <source>New tracks count after</source>
        <translation>새 트랙 집계 기준</translation>
    </message>
    <message>
        <source>Remember lost people</source>
        <translation>추적 끊긴 사람 기억</translation>
    </message>
    <message>
        <source>Rejoin within</source>
        <translation>이어 붙이는 거리</translation>
    </message>
    <message>
        <source>Appears near a line</source>
        <translation>라인 근처 출현</translation>
    </message>
</context>
<context>
    <name>CountsChart</name>
    <message>
        <source>count</source>
        <translation>수</translation>
    </message>
    <message>
        <source>in</source>
        <translation>입장</translation>
    </message>
    <message>
        <source>out</source>
        <translation>퇴장</translation>
    </message>
    <message>
        <source>inside</source>
        <translation>재실</translation>
    </message>
    <message>
        <source>inside at bucket end</source>
        <translation>구간 종료 시 재실</translation>
    </message>
    <message>
        <source>peak in bucket</source>
        <translation>구간 내 최대</translation>
    </message>
    <message>
        <source>corrected (visit time)</source>
        <translation>보정값(방문 시간 기준)</translation>
    </message>
    <message>
        <source>maximum</source>
        <translation>최대</translation>
    </message>
    <message>
        <source>entries</source>
        <translation>입장</translation>
    </message>
    <message>
        <source>exits</source>
        <translation>퇴장</translation>
    </message>
</context>
<context>
    <name>DeadLetterController</name>
    <message>
        <source>This account may not read the error queue: reviewing, requeueing and discarding dead letters is for admin accounts. Ask an admin, or connect with an admin account.</source>
        <translation>이 계정은 오류 큐를 읽을 수 없습니다. 데드 레터 검토, 다시 넣기, 폐기는 관리자 계정만 할 수 있습니다. 관리자에게 요청하거나 관리자 계정으로 접속하십시오.</translation>
    </message>
    <message>
        <source>cannot read the error queue: {why}</source>
        <translation>오류 큐를 읽을 수 없음: {why}</translation>
    </message>
    <message>
        <source>{n} message(s) in the error queue</source>
        <translation>오류 큐에 메시지 {n}개</translation>
    </message>
    <message>
        <source>{n} message(s) requeued</source>
        <translation>메시지 {n}개를 큐에 다시 넣음</translation>
    </message>
    <message>
        <source>not requeued: {why}</source>
        <translation>다시 넣지 못함: {why}</translation>
    </message>
    <message>
        <source>{n} message(s) discarded</source>
        <translation>메시지 {n}개 폐기됨</translation>
    </message>
    <message>
        <source>not discarded: {why}</source>
        <translation>폐기하지 못함: {why}</translation>
    </message>
</context>
<context>
    <name>DeadLetterView</name>
    <message>
        <source>Failed at</source>
        <translation>실패 시각</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>유형</translation>
    </message>
    <message>
        <source>Original route</source>
        <translation>원래 경로</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>시도 횟수</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>select messages to requeue or discard them</source>
        <translation>다시 넣거나 폐기할 메시지를 선택하십시오</translation>
    </message>
    <message>
        <source>Refresh to read the error queue</source>
        <translation>새로 고침을 눌러 오류 큐를 읽으십시오</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>새로 고침</translation>
    </message>
    <message>
        <source>Requeue selected</source>
        <translation>선택 항목 다시 넣기</translation>
    </message>
    <message>
        <source>Discard selected</source>
        <translation>선택 항목 폐기</translation>
    </message>
</context>
<context>
    <name>DetectionController</name>
    <message>
        <source>{size} MB</source>
        <translation>{size}MB</translation>
    </message>
    <message>
        <source>Downloading {file} from {host}…</source>
        <translation>{host}에서 {file} 내려받는 중…</translation>
    </message>
    <message>
        <source>Downloading {file} from {host}: {size}, as the server announces…</source>
        <translation>{host}에서 {file} 내려받는 중: 서버가 알린 크기 {size}…</translation>
    </message>
    <message>
        <source>Checking that {file} loads as a model…</source>
        <translation>{file}이(가) 모델로 불러와지는지 확인하는 중…</translation>
    </message>
    <message>
        <source>Download cancelled; nothing was kept.</source>
        <translation>내려받기를 취소했습니다. 아무것도 남기지 않았습니다.</translation>
    </message>
    <message>
        <source>{file} cannot be used: {reason}</source>
        <translation>{file}을(를) 사용할 수 없음: {reason}</translation>
    </message>
    <message>
        <source>{file} is ready in {folder}</source>
        <translation>{file} 준비 완료: {folder}</translation>
    </message>
    <message>
        <source>Loading {file} into the detector (the first time, exporting it for OpenVINO may take a minute)…</source>
        <translation>{file}을(를) 감지기에 불러오는 중(처음에는 OpenVINO 변환에 1분쯤 걸릴 수 있음)…</translation>
    </message>
    <message>
        <source>The detector cannot use {file}: {reason}</source>
        <translation>감지기가 {file}을(를) 사용할 수 없음: {reason}</translation>
    </message>
    <message>
        <source>Detecting with {model}.</source>
        <translation>{model}(으)로 감지 중.</translation>
    </message>
</context>
<context>
    <name>DetectionDialog</name>
    <message>
        <source>Detection</source>
        <translation>감지</translation>
    </message>
</context>
<context>
    <name>DetectionPage</name>
    <message>
        <source>Without YOLO weights the console counts with OpenCV&apos;s HOG people detector: people only, and less accurate. It never downloads anything by itself; fetch a model here, or choose one you have.</source>
        <translation>YOLO 가중치가 없으면 콘솔은 OpenCV의 HOG 사람 감지기로 집계합니다. 사람만 감지하며 정확도가 낮습니다. 스스로는 아무것도 내려받지 않으니 여기서 모델을 내려받거나 가진 모델을 선택하십시오.</translation>
    </message>
    <message>
        <source>Models are fetched from &lt;this address&gt;/&lt;name&gt;.pt: a mirror or a server on your network will do</source>
        <translation>모델은 &lt;이 주소&gt;/&lt;이름&gt;.pt에서 받습니다. 미러나 내부망 서버도 됩니다</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>모델 내려받기</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>From</source>
        <translation>받을 곳</translation>
    </message>
    <message>
        <source>Choose weights or ONNX file…</source>
        <translation>가중치 또는 ONNX 파일 선택…</translation>
    </message>
    <message>
        <source>Choose OpenVINO folder…</source>
        <translation>OpenVINO 폴더 선택…</translation>
    </message>
    <message>
        <source>Or use a model on disk</source>
        <translation>또는 디스크의 모델 사용</translation>
    </message>
    <message>
        <source> · on disk</source>
        <translation> · 디스크에 있음</translation>
    </message>
    <message>
        <source>{name} (≈ {size}) — {description}</source>
        <translation>{name} (약 {size}) — {description}</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>사용</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>내려받기</translation>
    </message>
    <message>
        <source>Detector: not running yet</source>
        <translation>감지기: 아직 실행 안 됨</translation>
    </message>
    <message>
        <source>Detector: {text}</source>
        <translation>감지기: {text}</translation>
    </message>
    <message>
        <source>This installation has no YOLO runtime (ultralytics is not installed): it can only count with HOG.</source>
        <translation>이 설치본에는 YOLO 런타임이 없습니다(ultralytics 미설치). HOG로만 집계할 수 있습니다.</translation>
    </message>
    <message>
        <source>Detection runs on the detector workers, each with its own model folder. On each detector machine run:  camcount-worker models fetch {name}  then restart the worker.</source>
        <translation>감지는 감지기 워커에서 실행되며 워커마다 모델 폴더가 따로 있습니다. 각 감지기 컴퓨터에서 실행:  camcount-worker models fetch {name}  그다음 워커를 다시 시작하십시오.</translation>
    </message>
    <message>
        <source>Models are kept in {folder}.</source>
        <translation>모델은 {folder}에 보관됩니다.</translation>
    </message>
    <message>
        <source>YOLO weights or ONNX model</source>
        <translation>YOLO 가중치 또는 ONNX 모델</translation>
    </message>
    <message>
        <source>Models (*.pt *.onnx)</source>
        <translation>모델 (*.pt *.onnx)</translation>
    </message>
    <message>
        <source>OpenVINO export folder</source>
        <translation>OpenVINO 변환 폴더</translation>
    </message>
</context>
<context>
    <name>FieldForm</name>
    <message>
        <source>use letters, digits, &apos;.&apos;, &apos;-&apos; and &apos;_&apos; only (at most 64)</source>
        <translation>영문자, 숫자, &apos;.&apos;, &apos;-&apos;, &apos;_&apos;만 사용(최대 64자)</translation>
    </message>
    <message>
        <source>write env:VARIABLE or keyring:service/username</source>
        <translation>env:변수 또는 keyring:서비스/사용자 형식으로 입력</translation>
    </message>
    <message>
        <source>needed</source>
        <translation>필수</translation>
    </message>
    <message>
        <source>at most {max_length} characters</source>
        <translation>최대 {max_length}자</translation>
    </message>
    <message>
        <source>give at least {min_length}</source>
        <translation>최소 {min_length}개 입력</translation>
    </message>
    <message>
        <source>a whole number, e.g. 10</source>
        <translation>정수(예: 10)</translation>
    </message>
    <message>
        <source>a number, e.g. 2.5</source>
        <translation>숫자(예: 2.5)</translation>
    </message>
    <message>
        <source>more than {gt}</source>
        <translation>{gt}보다 커야 함</translation>
    </message>
    <message>
        <source>{ge} or more</source>
        <translation>{ge} 이상</translation>
    </message>
    <message>
        <source>less than {lt}</source>
        <translation>{lt}보다 작아야 함</translation>
    </message>
    <message>
        <source>{le} at most</source>
        <translation>{le} 이하</translation>
    </message>
    <message>
        <source>one of {expected}</source>
        <translation>{expected} 중 하나</translation>
    </message>
</context>
<context>
    <name>HealthController</name>
    <message>
        <source>{n} counts waiting on disk for the broker, the oldest {age} s</source>
        <translation>브로커 전송을 기다리며 디스크에 보관된 집계 {n}건, 가장 오래된 것 {age}초</translation>
    </message>
    <message>
        <source>{ms} ms/frame</source>
        <translation>{ms}ms/프레임</translation>
    </message>
    <message>
        <source>(+{n} more)</source>
        <translation>(외 {n}개)</translation>
    </message>
    <message>
        <source>{fps} fps</source>
        <translation>{fps} fps</translation>
    </message>
    <message>
        <source>no YOLO weights</source>
        <translation>YOLO 가중치 없음</translation>
    </message>
    <message>
        <source>YOLO unavailable</source>
        <translation>YOLO 사용 불가</translation>
    </message>
    <message>
        <source>HOG fallback — {why}</source>
        <translation>HOG 대체 — {why}</translation>
    </message>
    <message>
        <source>HOG people detector</source>
        <translation>HOG 사람 감지기</translation>
    </message>
</context>
<context>
    <name>HealthView</name>
    <message>
        <source>connected</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>연결 중</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>재연결 중</translation>
    </message>
    <message>
        <source>down</source>
        <translation>끊김</translation>
    </message>
    <message>
        <source>running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>시작 중</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>gone</source>
        <translation>응답 없음</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>detector</source>
        <translation>감지기</translation>
    </message>
    <message>
        <source>analytics</source>
        <translation>분석</translation>
    </message>
    <message>
        <source>notifier</source>
        <translation>알림</translation>
    </message>
    <message>
        <source>alerts</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>mqtt</source>
        <translation>mqtt</translation>
    </message>
    <message>
        <source>Broker: {state}</source>
        <translation>브로커: {state}</translation>
    </message>
    <message>
        <source>Click to fetch or choose a YOLO model</source>
        <translation>클릭하여 YOLO 모델 내려받기 또는 선택</translation>
    </message>
    <message>
        <source>Detector: {what}</source>
        <translation>감지기: {what}</translation>
    </message>
    <message>
        <source>Detector: missing</source>
        <translation>감지기: 없음</translation>
    </message>
    <message>
        <source>Detector: loading…</source>
        <translation>감지기: 불러오는 중…</translation>
    </message>
    <message>
        <source>Detector: waiting for a heartbeat</source>
        <translation>감지기: 하트비트 대기 중</translation>
    </message>
    <message>
        <source>workers say they run every few seconds</source>
        <translation>워커는 몇 초마다 실행 중임을 알립니다</translation>
    </message>
    <message>
        <source>Detector: none running</source>
        <translation>감지기: 실행 중인 것 없음</translation>
    </message>
    <message>
        <source>last heartbeat {n} s ago</source>
        <translation>마지막 하트비트 {n}초 전</translation>
    </message>
    <message>
        <source>{role}: {n} counts waiting</source>
        <translation>{role}: 대기 중인 집계 {n}건</translation>
    </message>
    <message>
        <source>cannot send to {targets}</source>
        <translation>{targets}(으)로 보낼 수 없음</translation>
    </message>
    <message>
        <source>refuses to publish frames (strict privacy)</source>
        <translation>프레임 게시 거부 (엄격한 개인정보 보호)</translation>
    </message>
    <message>
        <source>Right-click to forget it (restarted under another name, or retired)</source>
        <translation>마우스 오른쪽 버튼을 눌러 지우기(다른 이름으로 다시 시작되었거나 사용 중지됨)</translation>
    </message>
    <message>
        <source>Forget {worker}</source>
        <translation>{worker} 지우기</translation>
    </message>
</context>
<context>
    <name>HeatmapPanel</name>
    <message>
        <source>Where people walk (visits per cell)</source>
        <translation>사람들이 걷는 곳(셀당 방문 수)</translation>
    </message>
    <message>
        <source>Where people stand longest (time per cell)</source>
        <translation>사람들이 가장 오래 머무는 곳(셀당 시간)</translation>
    </message>
    <message>
        <source>Choose a camera and days, then Show.</source>
        <translation>카메라와 날짜를 고른 뒤 표시를 누르십시오.</translation>
    </message>
    <message>
        <source>Asking for the heatmap of {camera}…</source>
        <translation>{camera} 히트맵을 요청하는 중…</translation>
    </message>
    <message>
        <source>Nothing from {camera} in {span} yet: the detectors send where people walked every 5 minutes.</source>
        <translation>{span} 동안 {camera}에서 아직 받은 것이 없습니다: 감지기는 사람들이 지나간 곳을 5분마다 보냅니다.</translation>
    </message>
    <message>
        <source>No one was seen on {camera} in {span}.</source>
        <translation>{span} 동안 {camera}에서 본 사람이 없습니다.</translation>
    </message>
    <message>
        <source>Heatmap of {camera}, {span}: {hours} hour(s) with data.</source>
        <translation>{camera} 히트맵, {span}: 데이터 {hours}시간.</translation>
    </message>
    <message>
        <source>Nothing in this period.</source>
        <translation>이 기간에는 아무것도 없습니다.</translation>
    </message>
    <message>
        <source>Longest stays: {seconds:.0f} s in one cell (column {col}, row {row} of {cols}x{rows}); {total:.0f} s in all.</source>
        <translation>최장 체류: 한 셀에 {seconds:.0f}초({cols}x{rows} 중 {col}열 {row}행), 전체 {total:.0f}초.</translation>
    </message>
    <message>
        <source>Busiest cell: {n} visit(s) (column {col}, row {row} of {cols}x{rows}); {total} visits in all.</source>
        <translation>가장 붐비는 셀: 방문 {n}회({cols}x{rows} 중 {col}열 {row}행), 전체 {total}회.</translation>
    </message>
</context>
<context>
    <name>LocalRuntime</name>
    <message>
        <source>not available in this installation: {why}</source>
        <translation>이 설치본에서는 사용할 수 없음: {why}</translation>
    </message>
    <message>
        <source>failed to start: {why}</source>
        <translation>시작 실패: {why}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>local mode</source>
        <translation>로컬 모드</translation>
    </message>
    <message>
        <source>CamCount — {mode}</source>
        <translation>CamCount — {mode}</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>큐</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>데드 레터</translation>
    </message>
    <message>
        <source>Panels</source>
        <translation>패널</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>설정(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Detection settings…</source>
        <translation>감지 설정(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>종료(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>Wall</source>
        <translation>비디오 월</translation>
    </message>
    <message>
        <source>{tiles} tiles (Ctrl+{n})</source>
        <translation>타일 {tiles}개 (Ctrl+{n})</translation>
    </message>
    <message>
        <source>Boxes and track ids</source>
        <translation>박스와 트랙 ID</translation>
    </message>
    <message>
        <source>Latency in tile headers</source>
        <translation>타일 머리글에 지연 시간 표시</translation>
    </message>
    <message>
        <source>How old each camera&apos;s picture is when it is shown: from the camera to the screen, with its boxes</source>
        <translation>각 카메라 영상이 표시될 때 얼마나 지난 것인지: 박스를 포함해 카메라에서 화면까지</translation>
    </message>
    <message>
        <source>Full-screen window</source>
        <translation>전체 화면 창</translation>
    </message>
    <message>
        <source>Sound for critical alerts</source>
        <translation>심각 경보 소리</translation>
    </message>
    <message>
        <source>&amp;Analytics…</source>
        <translation>분석(&amp;A)…</translation>
    </message>
    <message>
        <source>Double-click or F: tile full screen · Esc: back · drag cameras onto tiles</source>
        <translation>더블클릭 또는 F: 타일 전체 화면 · Esc: 돌아가기 · 카메라를 타일로 끌어 놓기</translation>
    </message>
    <message>
        <source>Alerts ({n})</source>
        <translation>경보 ({n})</translation>
    </message>
    <message>
        <source>1 unacknowledged alert</source>
        <translation>미확인 경보 1건</translation>
    </message>
    <message>
        <source>{n} unacknowledged alerts</source>
        <translation>미확인 경보 {n}건</translation>
    </message>
    <message>
        <source>The new language applies the next time the console starts</source>
        <translation>새 언어는 콘솔을 다음에 시작할 때 적용됩니다</translation>
    </message>
    <message>
        <source>Shutting down…</source>
        <translation>종료하는 중…</translation>
    </message>
</context>
<context>
    <name>OccupancyForm</name>
    <message>
        <source>Reset daily at</source>
        <translation>매일 초기화 시각</translation>
    </message>
    <message>
        <source>Never below zero</source>
        <translation>0 미만 안 됨</translation>
    </message>
    <message>
        <source> min</source>
        <translation>분</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>설정 안 됨</translation>
    </message>
    <message>
        <source>The average visit: given, analytics keeps an occupancy corrected by it (Little&apos;s law) beside the counted one</source>
        <translation>평균 방문 시간: 지정하면 분석이 집계된 재실 인원 옆에 이 값으로 보정한 재실 인원(리틀의 법칙)도 보관합니다</translation>
    </message>
    <message>
        <source>Average visit</source>
        <translation>평균 방문 시간</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <source>{n} inside</source>
        <translation>재실 {n}명</translation>
    </message>
    <message>
        <source>in {n_in} · out {n_out}</source>
        <translation>입장 {n_in} · 퇴장 {n_out}</translation>
    </message>
</context>
<context>
    <name>PickList</name>
    <message>
        <source>{id} (not known now)</source>
        <translation>{id}(현재 알 수 없음)</translation>
    </message>
</context>
<context>
    <name>QueuesController</name>
    <message>
        <source>FULL ({n} messages): the broker refuses new ones; their producers keep them until this queue drains</source>
        <translation>가득 참(메시지 {n}개): 브로커가 새 메시지를 거부합니다. 큐가 비워질 때까지 생산자가 보관합니다</translation>
    </message>
    <message>
        <source>{share} of its {n}-message capacity: its consumer is behind or stopped</source>
        <translation>용량 {n}개 중 {share} 사용: 소비자가 뒤처졌거나 멈췄습니다</translation>
    </message>
    <message>
        <source>more than {n} messages waiting</source>
        <translation>대기 메시지 {n}개 초과</translation>
    </message>
    <message>
        <source>queue depths unavailable: {why}</source>
        <translation>큐 깊이를 알 수 없음: {why}</translation>
    </message>
    <message>
        <source>no message rates (broker HTTP API unavailable: {why})</source>
        <translation>메시지 속도 없음(브로커 HTTP API 사용 불가: {why})</translation>
    </message>
</context>
<context>
    <name>QueuesView</name>
    <message>
        <source>queue</source>
        <translation>큐</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>unacked</source>
        <translation>미확인</translation>
    </message>
    <message>
        <source>consumers</source>
        <translation>소비자</translation>
    </message>
    <message>
        <source>in/s</source>
        <translation>입력/초</translation>
    </message>
    <message>
        <source>out/s</source>
        <translation>출력/초</translation>
    </message>
    <message>
        <source>each queue&apos;s colour is its line in the charts</source>
        <translation>각 큐의 색은 차트에서 그 선의 색입니다</translation>
    </message>
    <message>
        <source>Ready messages</source>
        <translation>대기 메시지</translation>
    </message>
    <message>
        <source>Unacked messages</source>
        <translation>미확인 메시지</translation>
    </message>
    <message>
        <source>seconds ago</source>
        <translation>초 전</translation>
    </message>
    <message>
        <source>warn {n}</source>
        <translation>경고 {n}</translation>
    </message>
</context>
<context>
    <name>ReportsController</name>
    <message>
        <source>sent; waiting for an analytics worker</source>
        <translation>전송됨. 분석 워커 대기 중</translation>
    </message>
    <message>
        <source>not sent: this account may not request reports (that is for admin accounts); it may read the charts above. Ask an admin, or connect with an admin account.</source>
        <translation>전송 안 됨: 이 계정은 보고서를 요청할 수 없습니다(관리자 계정 전용). 위의 차트는 볼 수 있습니다. 관리자에게 요청하거나 관리자 계정으로 접속하십시오.</translation>
    </message>
    <message>
        <source>not sent: {why}</source>
        <translation>전송 안 됨: {why}</translation>
    </message>
    <message>
        <source>no analytics worker has taken it after {seconds} s; it waits in the report queue until one runs</source>
        <translation>{seconds}초가 지나도 맡은 분석 워커가 없습니다. 워커가 실행될 때까지 보고서 큐에서 기다립니다</translation>
    </message>
</context>
<context>
    <name>ReportsPanel</name>
    <message>
        <source>Daily summary (last day chosen)</source>
        <translation>일간 요약(선택한 마지막 날)</translation>
    </message>
    <message>
        <source>Weekly summary (its week)</source>
        <translation>주간 요약(해당 주)</translation>
    </message>
    <message>
        <source>Monthly summary (its month)</source>
        <translation>월간 요약(해당 월)</translation>
    </message>
    <message>
        <source>Custom (the days chosen)</source>
        <translation>사용자 지정(선택한 날짜)</translation>
    </message>
    <message>
        <source>daily summary</source>
        <translation>일간 요약</translation>
    </message>
    <message>
        <source>weekly summary</source>
        <translation>주간 요약</translation>
    </message>
    <message>
        <source>monthly summary</source>
        <translation>월간 요약</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>사용자 지정 보고서</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>보고서</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>기간</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>진행률</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>보고서</translation>
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
        <translation>이 카메라</translation>
    </message>
    <message>
        <source>All cameras</source>
        <translation>모든 카메라</translation>
    </message>
    <message>
        <source>Request report</source>
        <translation>보고서 요청</translation>
    </message>
    <message>
        <source>done; stored on the analytics server at {path}</source>
        <translation>완료. 분석 서버의 {path}에 저장됨</translation>
    </message>
    <message>
        <source>failed: {why}</source>
        <translation>실패: {why}</translation>
    </message>
</context>
<context>
    <name>RequestFailed</name>
    <message>
        <source>Cannot ask for that: {reasons}</source>
        <translation>그렇게 요청할 수 없습니다: {reasons}</translation>
    </message>
</context>
<context>
    <name>RouteDialog</name>
    <message>
        <source>Add route</source>
        <translation>경로 추가</translation>
    </message>
    <message>
        <source>Edit route</source>
        <translation>경로 편집</translation>
    </message>
    <message>
        <source>e.g. Platform to exit</source>
        <translation>예: 승강장에서 출구로</translation>
    </message>
    <message>
        <source>either way</source>
        <translation>양방향</translation>
    </message>
    <message>
        <source>in / entry</source>
        <translation>입장 / 구역 진입</translation>
    </message>
    <message>
        <source>out / exit</source>
        <translation>퇴장 / 구역 이탈</translation>
    </message>
    <message>
        <source>Add step</source>
        <translation>단계 추가</translation>
    </message>
    <message>
        <source>Remove step</source>
        <translation>단계 삭제</translation>
    </message>
    <message>
        <source>Removes the selected step, or the last one</source>
        <translation>선택한 단계 또는 마지막 단계를 삭제합니다</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>위로</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>아래로</translation>
    </message>
    <message>
        <source>every class the detector reports</source>
        <translation>감지기가 보고하는 모든 클래스</translation>
    </message>
    <message>
        <source>COCO class names, comma-separated (person, car, …)</source>
        <translation>쉼표로 구분한 COCO 클래스 이름 (person, car, …)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>다음 단계</translation>
    </message>
    <message>
        <source>Steps, in order</source>
        <translation>단계(순서대로)</translation>
    </message>
    <message>
        <source>Last step within</source>
        <translation>마지막 단계까지 제한 시간</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>클래스</translation>
    </message>
    <message>
        <source>A route needs at least two steps: where people come from and where they go</source>
        <translation>경로에는 최소 두 단계가 필요합니다. 사람들이 오는 곳과 가는 곳</translation>
    </message>
</context>
<context>
    <name>RouteFlowChart</name>
    <message>
        <source>No route completed</source>
        <translation>완료된 경로 없음</translation>
    </message>
</context>
<context>
    <name>RoutePanel</name>
    <message>
        <source>Add route…</source>
        <translation>경로 추가…</translation>
    </message>
    <message>
        <source>People who pass these lines or zones in this order, e.g. in by door A and out by door B</source>
        <translation>이 라인이나 구역을 이 순서로 지나는 사람. 예: A 문으로 들어와 B 문으로 나감</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>편집…</translation>
    </message>
    <message>
        <source>Change the selected route (or double-click it)</source>
        <translation>선택한 경로 변경 (또는 더블클릭)</translation>
    </message>
    <message>
        <source>Delete route</source>
        <translation>경로 삭제</translation>
    </message>
    <message>
        <source>Routes (origin → destination)</source>
        <translation>경로(출발 → 도착)</translation>
    </message>
    <message>
        <source>within {s:g} s</source>
        <translation>{s:g}초 이내</translation>
    </message>
    <message>
        <source>{within}; counts {classes}</source>
        <translation>{within}; {classes} 집계</translation>
    </message>
    <message>
        <source>in</source>
        <translation>입장</translation>
    </message>
    <message>
        <source>out</source>
        <translation>퇴장</translation>
    </message>
</context>
<context>
    <name>RoutesPanel</name>
    <message>
        <source>Routes (origin → destination): people · mean transit</source>
        <translation>경로 (출발 → 도착): 인원 · 평균 이동 시간</translation>
    </message>
    <message>
        <source>to {name}</source>
        <translation>{name}(으)로</translation>
    </message>
    <message>
        <source>from {name}</source>
        <translation>{name}에서</translation>
    </message>
    <message>
        <source>No route was completed in this span (routes are drawn in the zone editor).</source>
        <translation>이 기간에 완료된 경로가 없습니다(경로는 구역 편집기에서 그립니다).</translation>
    </message>
    <message>
        <source>{name}: {n} people, {t:.1f} s on average</source>
        <translation>{name}: {n}명, 평균 {t:.1f}초</translation>
    </message>
    <message>
        <source>{n} · {t:.1f} s</source>
        <translation>{n} · {t:.1f}초</translation>
    </message>
</context>
<context>
    <name>RuleForm</name>
    <message>
        <source>Zone occupancy</source>
        <translation>구역 재실 인원</translation>
    </message>
    <message>
        <source>Site occupancy</source>
        <translation>사이트 재실 인원</translation>
    </message>
    <message>
        <source>Line crossings</source>
        <translation>라인 통과</translation>
    </message>
    <message>
        <source>Camera offline</source>
        <translation>카메라 오프라인</translation>
    </message>
    <message>
        <source>Worker silent</source>
        <translation>워커 응답 없음</translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation>큐 깊이</translation>
    </message>
    <message>
        <source>Error queue growing</source>
        <translation>오류 큐 증가</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>경로</translation>
    </message>
    <message>
        <source>Edit rule {rule}</source>
        <translation>규칙 {rule} 편집</translation>
    </message>
    <message>
        <source>Add alert rule</source>
        <translation>경보 규칙 추가</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>사용</translation>
    </message>
    <message>
        <source>info</source>
        <translation>정보</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>주의</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>심각</translation>
    </message>
    <message>
        <source>both</source>
        <translation>양방향</translation>
    </message>
    <message>
        <source>in</source>
        <translation>입장</translation>
    </message>
    <message>
        <source>out</source>
        <translation>퇴장</translation>
    </message>
    <message>
        <source>no cameras known yet</source>
        <translation>아직 알려진 카메라 없음</translation>
    </message>
    <message>
        <source>the picked cameras have no zones</source>
        <translation>선택한 카메라에 구역이 없음</translation>
    </message>
    <message>
        <source>the picked cameras have no lines</source>
        <translation>선택한 카메라에 라인이 없음</translation>
    </message>
    <message>
        <source>the picked cameras have no routes</source>
        <translation>선택한 카메라에 경로가 없음</translation>
    </message>
    <message>
        <source>no sites yet: add them in Admin → Sites…</source>
        <translation>아직 사이트가 없습니다: 관리 → 사이트…에서 추가하십시오</translation>
    </message>
    <message>
        <source>Also tell the targets when it is resolved</source>
        <translation>해제될 때도 수신처에 알림</translation>
    </message>
    <message>
        <source>Rule id</source>
        <translation>규칙 ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>none ticked: every camera</source>
        <translation>선택 안 함: 모든 카메라</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every zone</source>
        <translation>선택한 카메라의 구역. 선택 안 함: 모든 구역</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every line</source>
        <translation>선택한 카메라의 라인. 선택 안 함: 모든 라인</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>경로</translation>
    </message>
    <message>
        <source>of the ticked cameras; none ticked: every route</source>
        <translation>선택한 카메라의 경로. 선택 안 함: 모든 경로</translation>
    </message>
    <message>
        <source>Zones</source>
        <translation>구역</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>라인</translation>
    </message>
    <message>
        <source>Sites</source>
        <translation>사이트</translation>
    </message>
    <message>
        <source>none ticked: every site</source>
        <translation>선택 안 함: 모든 사이트</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>방향</translation>
    </message>
    <message>
        <source>Worker roles</source>
        <translation>워커 역할</translation>
    </message>
    <message>
        <source>e.g. detector, camera; empty: all</source>
        <translation>예: detector, camera. 비우면 전체</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>큐</translation>
    </message>
    <message>
        <source>e.g. camera.detection.results</source>
        <translation>예: camera.detection.results</translation>
    </message>
    <message>
        <source>More than</source>
        <translation>초과</translation>
    </message>
    <message>
        <source>Fewer than</source>
        <translation>미만</translation>
    </message>
    <message>
        <source>Grown by at least</source>
        <translation>최소 증가량</translation>
    </message>
    <message>
        <source>Within (s)</source>
        <translation>기간(초)</translation>
    </message>
    <message>
        <source>For at least T (s)</source>
        <translation>최소 지속 시간 T(초)</translation>
    </message>
    <message>
        <source>a shorter blip raises nothing</source>
        <translation>이보다 짧은 순간적 변화는 경보를 내지 않음</translation>
    </message>
    <message>
        <source>Hysteresis (people)</source>
        <translation>히스테리시스(명)</translation>
    </message>
    <message>
        <source>once raised, over only at &apos;More than&apos; minus this, or fewer</source>
        <translation>경보 후에는 &apos;초과&apos; 값에서 이 수를 뺀 값 이하가 되어야 해제</translation>
    </message>
    <message>
        <source>No data after (s)</source>
        <translation>데이터 없음 판정(초)</translation>
    </message>
    <message>
        <source>Cooldown (s)</source>
        <translation>재경보 대기(초)</translation>
    </message>
    <message>
        <source>after an alert, none for the same subject within this time</source>
        <translation>경보 후 이 시간 동안 같은 대상에 대해 다시 경보하지 않음</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>알림 대상</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Local mode: workers inside the console, sample video</source>
        <translation>로컬 모드: 콘솔 안에서 워커 실행, 샘플 영상</translation>
    </message>
    <message>
        <source>RabbitMQ broker</source>
        <translation>RabbitMQ 브로커</translation>
    </message>
    <message>
        <source>amqp://user@host:5672/vhost  or  amqps://…</source>
        <translation>amqp://user@host:5672/vhost  또는  amqps://…</translation>
    </message>
    <message>
        <source>The password comes from the URL, ${variable} or the OS keyring (service “{service}”); it is never saved in the settings.</source>
        <translation>비밀번호는 URL, ${variable} 또는 OS 키링(서비스 “{service}”)에서 가져오며 설정에는 절대 저장되지 않습니다.</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>시스템 기본값</translation>
    </message>
    <message>
        <source>Applies the next time the console starts</source>
        <translation>콘솔을 다음에 시작할 때 적용됨</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
</context>
<context>
    <name>SettingsForm</name>
    <message>
        <source>where the notifier finds it: env:VARIABLE or keyring:service/username on its machine, never the password itself; empty: no login</source>
        <translation>알림 워커가 찾는 위치: 그 컴퓨터의 env:변수 또는 keyring:서비스/사용자. 비밀번호 자체는 쓰지 마십시오. 비우면 로그인 안 함</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>시간대</translation>
    </message>
    <message>
        <source>Language of reports and notifications</source>
        <translation>보고서 및 알림 언어</translation>
    </message>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>SMTP server</source>
        <translation>SMTP 서버</translation>
    </message>
    <message>
        <source>none: email cannot be sent</source>
        <translation>없음: 이메일을 보낼 수 없음</translation>
    </message>
    <message>
        <source>SMTP login</source>
        <translation>SMTP 로그인</translation>
    </message>
    <message>
        <source>SMTP password</source>
        <translation>SMTP 비밀번호</translation>
    </message>
    <message>
        <source>Sender</source>
        <translation>보낸 사람</translation>
    </message>
    <message>
        <source>SMTP timeout</source>
        <translation>SMTP 제한 시간</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n}초</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>CA 파일</translation>
    </message>
    <message>
        <source>the system&apos;s</source>
        <translation>시스템 기본</translation>
    </message>
    <message>
        <source>All {channel} sends</source>
        <translation>전체 {channel} 전송</translation>
    </message>
    <message>
        <source>at most {limit}</source>
        <translation>최대 {limit}</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>제한 없음</translation>
    </message>
    <message>
        <source>Circuit breaker</source>
        <translation>서킷 브레이커</translation>
    </message>
    <message>
        <source>pause a target after {n} failed sends in a row, for {seconds} s</source>
        <translation>연속 {n}회 전송 실패 시 수신처를 {seconds}초 동안 일시 중지</translation>
    </message>
    <message>
        <source>Site settings</source>
        <translation>사이트 설정</translation>
    </message>
    <message>
        <source>Send email through an SMTP server</source>
        <translation>SMTP 서버로 이메일 보내기</translation>
    </message>
    <message>
        <source>times in emails, and the hour of scheduled reports</source>
        <translation>이메일의 시각과 예약 보고서의 시각</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>of emails, webhook texts and reports</source>
        <translation>이메일, 웹훅 문구, 보고서에 적용</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>포트</translation>
    </message>
    <message>
        <source>587 with STARTTLS, 465 with TLS</source>
        <translation>STARTTLS는 587, TLS는 465</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>보안</translation>
    </message>
    <message>
        <source>starttls: upgraded plain connection; tls: TLS from the start; none: loopback only</source>
        <translation>starttls: 일반 연결을 암호화로 전환, tls: 처음부터 TLS, none: 루프백 전용</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>로그인</translation>
    </message>
    <message>
        <source>empty: no login</source>
        <translation>비우면 로그인 안 함</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>제한 시간(초)</translation>
    </message>
    <message>
        <source>a site&apos;s own CA bundle on the notifier&apos;s machine; empty: the system&apos;s</source>
        <translation>알림 워커 컴퓨터에 있는 사이트 자체 CA 번들. 비우면 시스템 기본</translation>
    </message>
    <message>
        <source>All {channel}: at most</source>
        <translation>전체 {channel}: 최대</translation>
    </message>
    <message>
        <source>sends over all targets (empty: no limit)</source>
        <translation>모든 수신처 합계 전송 수(비우면 제한 없음)</translation>
    </message>
    <message>
        <source>per (s)</source>
        <translation>기간(초)</translation>
    </message>
    <message>
        <source>Pause a target after</source>
        <translation>수신처 일시 중지 기준</translation>
    </message>
    <message>
        <source>failed sends in a row</source>
        <translation>연속 전송 실패 횟수</translation>
    </message>
    <message>
        <source>for (s)</source>
        <translation>중지 시간(초)</translation>
    </message>
    <message>
        <source>then one probe is let through; its success resumes the target</source>
        <translation>그 후 시험 전송 1건을 허용하며, 성공하면 수신처를 재개합니다</translation>
    </message>
    <message>
        <source>The notifier says: {problem}</source>
        <translation>알림 워커 응답: {problem}</translation>
    </message>
</context>
<context>
    <name>SiteEditor</name>
    <message>
        <source>Sites</source>
        <translation>사이트</translation>
    </message>
    <message>
        <source>Add site</source>
        <translation>사이트 추가</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>e.g. Shop floor</source>
        <translation>예: 매장</translation>
    </message>
    <message>
        <source>the cameras have no lines</source>
        <translation>카메라에 선이 없습니다</translation>
    </message>
    <message>
        <source>the cameras have no zones</source>
        <translation>카메라에 구역이 없습니다</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>제한 없음</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Site id</source>
        <translation>사이트 ID</translation>
    </message>
    <message>
        <source>Doors</source>
        <translation>출입구</translation>
    </message>
    <message>
        <source>a line of a camera, and which way across it enters the site</source>
        <translation>카메라의 선과, 그 선을 어느 방향으로 지나면 사이트에 들어오는지</translation>
    </message>
    <message>
        <source>Zones</source>
        <translation>구역</translation>
    </message>
    <message>
        <source>people in these zones are inside the site too</source>
        <translation>이 구역에 있는 사람도 사이트 내부로 셉니다</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>재실 인원</translation>
    </message>
    <message>
        <source>Maximum occupancy</source>
        <translation>최대 재실 인원</translation>
    </message>
    <message>
        <source>the limit the site&apos;s alert rules use unless they set their own</source>
        <translation>경보 규칙이 자체 한도를 정하지 않으면 사용하는 사이트의 한도</translation>
    </message>
    <message>
        <source>Save site</source>
        <translation>사이트 저장</translation>
    </message>
    <message>
        <source>{line} on {camera}: its &apos;{way}&apos; crossing enters</source>
        <translation>{camera}의 {line}: &apos;{way}&apos; 방향 통과가 입장</translation>
    </message>
    <message>
        <source>{zone} on {camera}</source>
        <translation>{camera}의 {zone}</translation>
    </message>
    <message>
        <source>Correct the fields marked in red</source>
        <translation>빨간색으로 표시된 칸을 고치십시오</translation>
    </message>
    <message>
        <source>Delete site</source>
        <translation>사이트 삭제</translation>
    </message>
    <message>
        <source>Delete the site {name}? Its alert rules no longer watch it.</source>
        <translation>사이트 {name}을(를) 삭제할까요? 경보 규칙이 더 이상 이 사이트를 감시하지 않습니다.</translation>
    </message>
</context>
<context>
    <name>SitesController</name>
    <message>
        <source>The sites could not be read: {why}</source>
        <translation>사이트를 읽을 수 없습니다: {why}</translation>
    </message>
    <message>
        <source>Not saved: {why}</source>
        <translation>저장되지 않음: {why}</translation>
    </message>
    <message>
        <source>Site {name} saved.</source>
        <translation>사이트 {name}을(를) 저장했습니다.</translation>
    </message>
    <message>
        <source>Not deleted: {why}</source>
        <translation>삭제되지 않음: {why}</translation>
    </message>
</context>
<context>
    <name>TargetForm</name>
    <message>
        <source>Where the notifier finds the HMAC signing key: env:VARIABLE (an environment variable of the notifier) or keyring:service/username (its OS keyring). The key stays on the notifier&apos;s machine; it is never sent or shown.</source>
        <translation>알림 워커가 HMAC 서명 키를 찾는 위치: env:변수(워커의 환경 변수) 또는 keyring:서비스/사용자(워커 OS 키링). 키는 알림 워커 컴퓨터에만 있으며 전송되거나 표시되지 않습니다.</translation>
    </message>
    <message>
        <source>Edit target {target}</source>
        <translation>수신처 {target} 편집</translation>
    </message>
    <message>
        <source>Add notification target</source>
        <translation>알림 수신처 추가</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>제한 없음</translation>
    </message>
    <message>
        <source>Target id</source>
        <translation>수신처 ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>채널</translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation>받는 사람</translation>
    </message>
    <message>
        <source>email addresses, comma-separated</source>
        <translation>이메일 주소, 쉼표로 구분</translation>
    </message>
    <message>
        <source>Cc</source>
        <translation>참조</translation>
    </message>
    <message>
        <source>Webhook URL</source>
        <translation>웹훅 URL</translation>
    </message>
    <message>
        <source>Signing secret</source>
        <translation>서명 비밀 키</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>제한 시간(초)</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>시도 횟수</translation>
    </message>
    <message>
        <source>Rate limit: at most</source>
        <translation>전송 빈도 제한: 최대</translation>
    </message>
    <message>
        <source>sends (empty: no limit)</source>
        <translation>건(비우면 제한 없음)</translation>
    </message>
    <message>
        <source>per (s)</source>
        <translation>기간(초)</translation>
    </message>
    <message>
        <source>The notifier says: {problem}</source>
        <translation>알림 워커 응답: {problem}</translation>
    </message>
</context>
<context>
    <name>TileView</name>
    <message>
        <source>Drop a camera here</source>
        <translation>여기에 카메라를 끌어 놓으십시오</translation>
    </message>
    <message>
        <source>NO SIGNAL</source>
        <translation>신호 없음</translation>
    </message>
    <message>
        <source>RECONNECTING…</source>
        <translation>재연결 중…</translation>
    </message>
    <message>
        <source>Waiting for the first frame…</source>
        <translation>첫 프레임을 기다리는 중…</translation>
    </message>
    <message>
        <source>NO CAMERA WORKER</source>
        <translation>카메라 워커 없음</translation>
    </message>
    <message>
        <source>last frame {time} ({ago} ago)</source>
        <translation>마지막 프레임 {time} ({ago} 전)</translation>
    </message>
    <message>
        <source>no frame received yet</source>
        <translation>아직 받은 프레임 없음</translation>
    </message>
    <message>
        <source>{fps} fps</source>
        <translation>{fps} fps</translation>
    </message>
    <message>
        <source>RECONNECTING</source>
        <translation>재연결 중</translation>
    </message>
    <message>
        <source>WAITING</source>
        <translation>대기 중</translation>
    </message>
    <message>
        <source>latency {ms} ms</source>
        <translation>지연 {ms}ms</translation>
    </message>
    <message>
        <source>latency –</source>
        <translation>지연 –</translation>
    </message>
    <message>
        <source>in {n_in} · out {n_out}</source>
        <translation>입장 {n_in} · 퇴장 {n_out}</translation>
    </message>
    <message>
        <source>no detection results yet</source>
        <translation>아직 감지 결과 없음</translation>
    </message>
    <message>
        <source>no detection results for {n} s: is a detector running?</source>
        <translation>{n}초 동안 감지 결과 없음: 감지기가 실행 중인가요?</translation>
    </message>
    <message>
        <source>FACES SHOWN · this view is logged</source>
        <translation>얼굴 표시 중 · 이 화면은 기록됩니다</translation>
    </message>
    <message>
        <source>people hidden</source>
        <translation>사람 가림</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n}초</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n}분</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n}시간</translation>
    </message>
</context>
<context>
    <name>WallController</name>
    <message>
        <source>Heatmap: asking analytics…</source>
        <translation>히트맵: 분석에 요청 중…</translation>
    </message>
</context>
<context>
    <name>WallView</name>
    <message>
        <source>Back to the wall</source>
        <translation>비디오 월로 돌아가기</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>전체 화면</translation>
    </message>
    <message>
        <source>Remove from the wall</source>
        <translation>비디오 월에서 제거</translation>
    </message>
    <message>
        <source>Heatmap (last 24 h)</source>
        <translation>히트맵(최근 24시간)</translation>
    </message>
    <message>
        <source>Show faces (each view is logged)</source>
        <translation>얼굴 표시(보기마다 기록됨)</translation>
    </message>
</context>
<context>
    <name>ZoneCanvas</name>
    <message>
        <source>Drag corners or shapes · double-click an edge to add a corner · click an arrow to flip in/out · right-click to delete · wheel zooms</source>
        <translation>꼭짓점이나 도형 끌기 · 변을 더블클릭해 꼭짓점 추가 · 화살표 클릭으로 입장/퇴장 전환 · 오른쪽 클릭으로 삭제 · 휠로 확대/축소</translation>
    </message>
    <message>
        <source>Click the line&apos;s two ends; the arrow shows which way is &quot;in&quot;</source>
        <translation>라인의 두 끝을 클릭하십시오. 화살표가 &quot;입장&quot; 방향을 나타냅니다</translation>
    </message>
    <message>
        <source>Click the corners; click the first corner again, double-click or press Enter to close · Esc cancels</source>
        <translation>꼭짓점을 클릭하십시오. 첫 꼭짓점을 다시 클릭하거나 더블클릭 또는 Enter로 닫기 · Esc로 취소</translation>
    </message>
    <message>
        <source>Delete corner</source>
        <translation>꼭짓점 삭제</translation>
    </message>
    <message>
        <source>Flip in/out</source>
        <translation>입장/퇴장 전환</translation>
    </message>
    <message>
        <source>Delete line “{name}”</source>
        <translation>라인 “{name}” 삭제</translation>
    </message>
    <message>
        <source>Delete zone “{name}”</source>
        <translation>구역 “{name}” 삭제</translation>
    </message>
    <message>
        <source>Click the corners of a region to hide in every picture (it counts nothing); click the first corner again, double-click or press Enter to close · Esc cancels</source>
        <translation>모든 화면에서 가릴 영역의 꼭짓점을 클릭하십시오(아무것도 세지 않음). 첫 꼭짓점을 다시 클릭하거나 더블클릭 또는 Enter로 닫기 · Esc로 취소</translation>
    </message>
    <message>
        <source>Delete privacy mask “{name}”</source>
        <translation>개인정보 마스크 “{name}” 삭제</translation>
    </message>
    <message>
        <source>No picture from this camera: drawing on a blank {width}×{height} frame</source>
        <translation>이 카메라의 영상이 없습니다. 빈 {width}×{height} 프레임에 그립니다</translation>
    </message>
    <message>
        <source>in</source>
        <translation>입장</translation>
    </message>
</context>
<context>
    <name>ZoneEditor</name>
    <message>
        <source>Zones of {camera} — CamCount</source>
        <translation>{camera} 구역 — CamCount</translation>
    </message>
    <message>
        <source>every class the detector reports</source>
        <translation>감지기가 보고하는 모든 객체 종류</translation>
    </message>
    <message>
        <source>COCO class names, comma-separated (person, car, …)</source>
        <translation>COCO 클래스 이름, 쉼표로 구분(person, car, …)</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>색…</translation>
    </message>
    <message>
        <source>Flip in/out</source>
        <translation>입장/퇴장 전환</translation>
    </message>
    <message>
        <source>Delete shape</source>
        <translation>도형 삭제</translation>
    </message>
    <message>
        <source>Delete the routes too?</source>
        <translation>경로도 삭제할까요?</translation>
    </message>
    <message>
        <source>Delete with its routes</source>
        <translation>경로와 함께 삭제</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <source>Load stored zones</source>
        <translation>저장된 구역 불러오기</translation>
    </message>
    <message>
        <source>Ask the analytics worker for the stored version and draw on it</source>
        <translation>분석 워커에 저장된 버전을 요청해 그 위에 그리기</translation>
    </message>
    <message>
        <source>Lines and zones</source>
        <translation>라인과 구역</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>객체 종류</translation>
    </message>
    <message>
        <source>Freezing the camera&apos;s picture…</source>
        <translation>카메라 화면을 고정하는 중…</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>선택</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>라인</translation>
    </message>
    <message>
        <source>Zone</source>
        <translation>구역</translation>
    </message>
    <message>
        <source>Privacy mask</source>
        <translation>개인정보 마스크</translation>
    </message>
    <message>
        <source>Privacy mask (M): a region always hidden in every picture; it counts nothing</source>
        <translation>개인정보 마스크 (M): 모든 화면에서 항상 가려지는 영역이며 아무것도 세지 않습니다</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>실행 취소</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>다시 실행</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>확대</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>축소</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>화면에 맞춤</translation>
    </message>
    <message>
        <source>New frame</source>
        <translation>새 프레임</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>가져오기…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>No new frame from the camera; keeping the old one</source>
        <translation>카메라에서 새 프레임이 오지 않아 이전 프레임을 유지합니다</translation>
    </message>
    <message>
        <source>The camera now sends {width}×{height} frames; reopen the editor to draw on them</source>
        <translation>카메라가 이제 {width}×{height} 프레임을 보냅니다. 그 위에 그리려면 편집기를 다시 여십시오</translation>
    </message>
    <message>
        <source>Save version {version}</source>
        <translation>버전 {version} 저장</translation>
    </message>
    <message>
        <source>Save (stored version unknown)</source>
        <translation>저장(저장된 버전 알 수 없음)</translation>
    </message>
    <message>
        <source>The analytics worker did not say which version is stored: “Load stored zones” asks again</source>
        <translation>분석 워커가 저장된 버전을 알려 주지 않았습니다. “저장된 구역 불러오기”로 다시 요청하십시오</translation>
    </message>
    <message>
        <source>Fix the shapes marked in red first</source>
        <translation>먼저 빨간색으로 표시된 도형을 고치십시오</translation>
    </message>
    <message>
        <source>Store these lines and zones as the next version; the detectors count with it once stored</source>
        <translation>이 라인과 구역을 다음 버전으로 저장합니다. 저장되면 감지기가 이 버전으로 집계합니다</translation>
    </message>
    <message>
        <source>Colour of {shape}</source>
        <translation>{shape}의 색</translation>
    </message>
    <message>
        <source>{shape} is a step of these routes:
{routes}

Deleting it deletes them too (one Undo brings all back).</source>
        <translation>{shape}은(는) 다음 경로의 한 단계입니다:
{routes}

삭제하면 이 경로들도 삭제됩니다 (실행 취소 한 번으로 모두 복원됩니다).</translation>
    </message>
    <message>
        <source>Deleted {shape} and the routes {routes}; Undo brings them back</source>
        <translation>{shape}와(과) 경로 {routes}을(를) 삭제했습니다. 실행 취소로 복원됩니다</translation>
    </message>
    <message>
        <source>Not exported: {reason}</source>
        <translation>내보내지 못함: {reason}</translation>
    </message>
    <message>
        <source>Exported to {path} (count-video --zones reads it)</source>
        <translation>{path}(으)로 내보냄(count-video --zones로 읽을 수 있음)</translation>
    </message>
    <message>
        <source>Not imported from {file}: {reason}</source>
        <translation>{file}에서 가져오지 못함: {reason}</translation>
    </message>
    <message>
        <source>Imported {n} shapes from {file}; Save publishes them</source>
        <translation>{file}에서 도형 {n}개를 가져옴. 저장하면 적용됩니다</translation>
    </message>
    <message>
        <source>Export zones</source>
        <translation>구역 내보내기</translation>
    </message>
    <message>
        <source>Zone sets (*.json)</source>
        <translation>구역 세트 (*.json)</translation>
    </message>
    <message>
        <source>Import zones</source>
        <translation>구역 가져오기</translation>
    </message>
    <message>
        <source>Nothing changed since version {version}</source>
        <translation>버전 {version} 이후 바뀐 것이 없습니다</translation>
    </message>
</context>
<context>
    <name>ZoneEditorController</name>
    <message>
        <source>the analytics worker, which stores zone versions, did not answer, so the stored version of these zones is not known</source>
        <translation>구역 버전을 저장하는 분석 워커가 응답하지 않아 저장된 구역 버전을 알 수 없습니다</translation>
    </message>
    <message>
        <source>Waiting for a frame from the camera…</source>
        <translation>카메라 프레임을 기다리는 중…</translation>
    </message>
    <message>
        <source>Line {n}</source>
        <translation>라인 {n}</translation>
    </message>
    <message>
        <source>Zone {n}</source>
        <translation>구역 {n}</translation>
    </message>
    <message>
        <source>Mask {n}</source>
        <translation>마스크 {n}</translation>
    </message>
    <message>
        <source>zones version {version}</source>
        <translation>구역 버전 {version}</translation>
    </message>
    <message>
        <source>no zones saved yet</source>
        <translation>아직 저장된 구역 없음</translation>
    </message>
    <message>
        <source>showing version {version} as this console last saw it</source>
        <translation>이 콘솔이 마지막으로 본 버전 {version} 표시 중</translation>
    </message>
    <message>
        <source>showing no shapes</source>
        <translation>표시할 도형 없음</translation>
    </message>
    <message>
        <source>Not saving: {why} ({seen}). Draw or Export; “Load stored zones” asks again.</source>
        <translation>저장할 수 없음: {why} ({seen}). 그리거나 내보낼 수 있으며, “저장된 구역 불러오기”로 다시 요청합니다.</translation>
    </message>
    <message>
        <source>No frame from camera {camera} within {seconds} s (offline or not sending): drawing on a blank frame; {zones}</source>
        <translation>{seconds}초 안에 카메라 {camera}의 프레임이 없습니다(오프라인 또는 전송 안 함). 빈 프레임에 그립니다. {zones}</translation>
    </message>
    <message>
        <source>Frame frozen ({width}×{height}); {zones}</source>
        <translation>프레임 고정됨({width}×{height}). {zones}</translation>
    </message>
    <message>
        <source>Still not saving: {why}.</source>
        <translation>여전히 저장할 수 없음: {why}.</translation>
    </message>
    <message>
        <source>Loaded the stored zones (version {version}) in place of the drawing, which Undo brings back</source>
        <translation>그리던 내용 대신 저장된 구역(버전 {version})을 불러왔습니다. 실행 취소로 되돌릴 수 있습니다</translation>
    </message>
    <message>
        <source>The stored zones are version {version}, the ones this drawing started from: Save is on</source>
        <translation>저장된 구역은 이 그림의 출발점인 버전 {version}입니다. 저장할 수 있습니다</translation>
    </message>
    <message>
        <source>Not saved: {why}.</source>
        <translation>저장 안 됨: {why}.</translation>
    </message>
    <message>
        <source>Not saved: {why}</source>
        <translation>저장 안 됨: {why}</translation>
    </message>
    <message>
        <source>Not saved. {why}</source>
        <translation>저장 안 됨. {why}</translation>
    </message>
    <message>
        <source>Not saved: the analytics worker, which stores zone versions, did not answer, and the detectors were sent nothing. The drawing stays here: “Load stored zones” once it is back, or Export it.</source>
        <translation>저장 안 됨: 구역 버전을 저장하는 분석 워커가 응답하지 않았고 감지기에는 아무것도 보내지 않았습니다. 그림은 여기 남아 있습니다. 워커가 돌아오면 “저장된 구역 불러오기”를 누르거나 내보내십시오.</translation>
    </message>
    <message>
        <source>Not saved: {why}. “Load stored zones” replaces the drawing with them (Undo brings it back).</source>
        <translation>저장 안 됨: {why}. “저장된 구역 불러오기”는 그림을 저장된 구역으로 바꿉니다(실행 취소로 되돌림).</translation>
    </message>
    <message>
        <source>Saved version {version}: stored, and the detectors count with it from their next frame</source>
        <translation>버전 {version} 저장됨: 감지기가 다음 프레임부터 이 버전으로 집계합니다</translation>
    </message>
</context>
</TS>
