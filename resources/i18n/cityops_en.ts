<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
  <context>
    <name>AboutDialog</name>
    <message>
      <source>{0}：{1} · {2} 帧 · {3} 拒收</source>
      <translation>{0}: {1} · {2} frames · {3} rejected</translation>
    </message>
    <message>
      <source>关于城运态势台</source>
      <translation>About CityOps Console</translation>
    </message>
    <message>
      <source>关闭</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>刷新</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <source>城运态势台 CityOps Console</source>
      <translation>CityOps Console (城运态势台)</translation>
    </message>
    <message>
      <source>复制诊断信息</source>
      <translation>Copy diagnostics</translation>
    </message>
    <message>
      <source>已复制到剪贴板</source>
      <translation>Copied to the clipboard</translation>
    </message>
    <message>
      <source>数据源</source>
      <translation>Feeds</translation>
    </message>
    <message>
      <source>文件位置</source>
      <translation>Files</translation>
    </message>
    <message>
      <source>无（回放或未连接）</source>
      <translation>None (replay, or not connected)</translation>
    </message>
    <message>
      <source>构建</source>
      <translation>Build</translation>
    </message>
    <message>
      <source>诊断信息（版本、依赖、数据源状态、文件位置；不含令牌和个人信息）</source>
      <translation>Diagnostics (versions, dependencies, feed health, file locations; no tokens or personal data)</translation>
    </message>
  </context>
  <context>
    <name>CityMap</name>
    <message>
      <source>事件</source>
      <translation>Incidents</translation>
    </message>
    <message>
      <source>人群热力</source>
      <translation>Crowd heat</translation>
    </message>
    <message>
      <source>区名</source>
      <translation>District names</translation>
    </message>
    <message>
      <source>区域状态</source>
      <translation>District status</translation>
    </message>
    <message>
      <source>水系与海岸</source>
      <translation>Water and coast</translation>
    </message>
    <message>
      <source>街镇</source>
      <translation>Streets and towns</translation>
    </message>
    <message>
      <source>街镇分区为示意，非行政边界</source>
      <translation>Street cells are schematic, not boundaries</translation>
    </message>
    <message>
      <source>街镇（示意）</source>
      <translation>Streets and towns (schematic)</translation>
    </message>
  </context>
  <context>
    <name>DrillBar</name>
    <message>
      <source>上级</source>
      <translation>Up</translation>
    </message>
    <message>
      <source>下级</source>
      <translation>Below</translation>
    </message>
    <message>
      <source>下钻到下级区域</source>
      <translation>Drill down to an area below</translation>
    </message>
    <message>
      <source>事件队列的区域筛选跟随当前查看的区域</source>
      <translation>The incident queue's area filter follows the area in view</translation>
    </message>
    <message>
      <source>返回上级 (Backspace)</source>
      <translation>Back up a level (Backspace)</translation>
    </message>
    <message>
      <source>队列跟随</source>
      <translation>Queue follows</translation>
    </message>
  </context>
  <context>
    <name>Emergency</name>
    <message>
      <source> 等 {0} 区</source>
      <translation> and {0} districts in all</translation>
    </message>
    <message>
      <source>平台宣布应急响应</source>
      <translation>Emergency response declared by the platform</translation>
    </message>
    <message>
      <source>影响：{0}</source>
      <translation>Affected: {0}</translation>
    </message>
    <message>
      <source>紧急状态</source>
      <translation>EMERGENCY</translation>
    </message>
    <message>
      <source>紧急状态模式：常态规则由应急规则集替代</source>
      <translation>Emergency mode: the normal rules are replaced by the emergency set</translation>
    </message>
    <message>
      <source>自 {0}</source>
      <translation>since {0}</translation>
    </message>
    <message>
      <source>角色 {0} 不能切换紧急状态</source>
      <translation>Role {0} cannot switch emergency mode</translation>
    </message>
  </context>
  <context>
    <name>FeedStatusBar</name>
    <message>
      <source>{0}前</source>
      <translation>{0} ago</translation>
    </message>
    <message>
      <source>拒收 {0}</source>
      <translation>rejected {0}</translation>
    </message>
    <message>
      <source>断档 {0}</source>
      <translation>gaps {0}</translation>
    </message>
  </context>
  <context>
    <name>IncidentActions</name>
    <message>
      <source>{0} 已发送，等待平台确认 · {1}</source>
      <translation>{0} sent, awaiting the platform · {1}</translation>
    </message>
    <message>
      <source>{0} 已确认 · {1}</source>
      <translation>{0} confirmed · {1}</translation>
    </message>
    <message>
      <source>{0} 已记录，连接恢复后自动发送 · {1}</source>
      <translation>{0} recorded; it goes out when the connection is back · {1}</translation>
    </message>
    <message>
      <source>{0} 被拒绝：{1} · {2}</source>
      <translation>{0} refused: {1} · {2}</translation>
    </message>
    <message>
      <source>到场</source>
      <translation>On scene</translation>
    </message>
    <message>
      <source>升级</source>
      <translation>Escalate</translation>
    </message>
    <message>
      <source>受理</source>
      <translation>Acknowledge</translation>
    </message>
    <message>
      <source>合并</source>
      <translation>Merge</translation>
    </message>
    <message>
      <source>合并…</source>
      <translation>Merge…</translation>
    </message>
    <message>
      <source>合并到事件</source>
      <translation>Merge into incident</translation>
    </message>
    <message>
      <source>处置单位</source>
      <translation>Unit</translation>
    </message>
    <message>
      <source>处置完成</source>
      <translation>Resolve</translation>
    </message>
    <message>
      <source>处置完成…</source>
      <translation>Resolve…</translation>
    </message>
    <message>
      <source>撤销</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <source>撤销…</source>
      <translation>Cancel…</translation>
    </message>
    <message>
      <source>派遣</source>
      <translation>Dispatch</translation>
    </message>
    <message>
      <source>派遣…</source>
      <translation>Dispatch…</translation>
    </message>
    <message>
      <source>确认对此事件执行“{0}”？
{1}</source>
      <translation>{0} this incident?
{1}</translation>
    </message>
    <message>
      <source>结案</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>说明</source>
      <translation>Note</translation>
    </message>
    <message>
      <source>说明（撤销时必填）</source>
      <translation>Note (required to cancel)</translation>
    </message>
    <message>
      <source>重新处置</source>
      <translation>Reopen</translation>
    </message>
    <message>
      <source>重新处置…</source>
      <translation>Reopen…</translation>
    </message>
  </context>
  <context>
    <name>IncidentQueue</name>
    <message>
      <source>全部区域</source>
      <translation>All areas</translation>
    </message>
    <message>
      <source>全部状态</source>
      <translation>All states</translation>
    </message>
    <message>
      <source>全部领域</source>
      <translation>All domains</translation>
    </message>
    <message>
      <source>区域</source>
      <translation>Area</translation>
    </message>
    <message>
      <source>发现渠道</source>
      <translation>Channel</translation>
    </message>
    <message>
      <source>只看此级别（可多选）</source>
      <translation>Show only this level (several allowed)</translation>
    </message>
    <message>
      <source>合并相似</source>
      <translation>Group similar</translation>
    </message>
    <message>
      <source>同类别、同地点、30 分钟内的事件只显示一行（×N）</source>
      <translation>One row for incidents of the same category and place within 30 minutes (×N)</translation>
    </message>
    <message>
      <source>处置人·已持有</source>
      <translation>Held by · for</translation>
    </message>
    <message>
      <source>搜索标题、编号、详情 (Ctrl+F)</source>
      <translation>Search title, id, detail (Ctrl+F)</translation>
    </message>
    <message>
      <source>时长</source>
      <translation>Age</translation>
    </message>
    <message>
      <source>时限剩余</source>
      <translation>SLA left</translation>
    </message>
    <message>
      <source>标题</source>
      <translation>Title</translation>
    </message>
    <message>
      <source>状态</source>
      <translation>State</translation>
    </message>
    <message>
      <source>级别</source>
      <translation>Level</translation>
    </message>
  </context>
  <context>
    <name>IndicatorChart</name>
    <message>
      <source>1 小时</source>
      <translation>1 h</translation>
    </message>
    <message>
      <source>15 分钟</source>
      <translation>15 min</translation>
    </message>
    <message>
      <source>24 小时</source>
      <translation>24 h</translation>
    </message>
    <message>
      <source>4 小时</source>
      <translation>4 h</translation>
    </message>
    <message>
      <source>同期带 · {0}</source>
      <translation>usual band · {0}</translation>
    </message>
    <message>
      <source>图表所示区域</source>
      <translation>The area charted</translation>
    </message>
    <message>
      <source>随看板</source>
      <translation>As on the board</translation>
    </message>
  </context>
  <context>
    <name>Labels</name>
    <message>
      <source>12345热线</source>
      <translation>12345 hotline</translation>
    </message>
    <message>
      <source>{0} 区均正常</source>
      <translation>{0} districts normal</translation>
    </message>
    <message>
      <source>{0} 区正常</source>
      <translation>{0} district normal</translation>
    </message>
    <message>
      <source>{0} 处告警</source>
      <translation>{0} in alarm</translation>
    </message>
    <message>
      <source>{0} 处无数据</source>
      <translation>{0} without data</translation>
    </message>
    <message>
      <source>{0} 处预警</source>
      <translation>{0} in warning</translation>
    </message>
    <message>
      <source>{0} 街镇均正常</source>
      <translation>{0} streets normal</translation>
    </message>
    <message>
      <source>{0} 街镇正常</source>
      <translation>{0} street normal</translation>
    </message>
    <message>
      <source>上级交办</source>
      <translation>Upper level</translation>
    </message>
    <message>
      <source>交通</source>
      <translation>Traffic</translation>
    </message>
    <message>
      <source>人流</source>
      <translation>Crowds</translation>
    </message>
    <message>
      <source>修</source>
      <translation>U</translation>
    </message>
    <message>
      <source>停用</source>
      <translation>Out of service</translation>
    </message>
    <message>
      <source>公共安全</source>
      <translation>Public safety</translation>
    </message>
    <message>
      <source>公安交警</source>
      <translation>Police</translation>
    </message>
    <message>
      <source>其</source>
      <translation>O</translation>
    </message>
    <message>
      <source>其他</source>
      <translation>Other</translation>
    </message>
    <message>
      <source>到场</source>
      <translation>on scene</translation>
    </message>
    <message>
      <source>到场处置</source>
      <translation>On scene</translation>
    </message>
    <message>
      <source>区域</source>
      <translation>Area</translation>
    </message>
    <message>
      <source>医</source>
      <translation>M</translation>
    </message>
    <message>
      <source>医疗急救</source>
      <translation>Medical</translation>
    </message>
    <message>
      <source>卫健</source>
      <translation>Public health</translation>
    </message>
    <message>
      <source>发现</source>
      <translation>Discovered</translation>
    </message>
    <message>
      <source>受理</source>
      <translation>ack</translation>
    </message>
    <message>
      <source>合并至</source>
      <translation>Merged into</translation>
    </message>
    <message>
      <source>告警</source>
      <translation>Alarm</translation>
    </message>
    <message>
      <source>回放</source>
      <translation>replay</translation>
    </message>
    <message>
      <source>城</source>
      <translation>C</translation>
    </message>
    <message>
      <source>城市管理</source>
      <translation>City management</translation>
    </message>
    <message>
      <source>城管</source>
      <translation>City management</translation>
    </message>
    <message>
      <source>处置</source>
      <translation>resolve</translation>
    </message>
    <message>
      <source>处置中</source>
      <translation>On scene</translation>
    </message>
    <message>
      <source>处置单位</source>
      <translation>Assigned unit</translation>
    </message>
    <message>
      <source>处置记录</source>
      <translation>History</translation>
    </message>
    <message>
      <source>媒体舆情</source>
      <translation>Media</translation>
    </message>
    <message>
      <source>已停止</source>
      <translation>stopped</translation>
    </message>
    <message>
      <source>已受理</source>
      <translation>Acknowledged</translation>
    </message>
    <message>
      <source>已处置</source>
      <translation>Resolved</translation>
    </message>
    <message>
      <source>已恢复未确认</source>
      <translation>Returned, unacknowledged</translation>
    </message>
    <message>
      <source>已搁置</source>
      <translation>Shelved</translation>
    </message>
    <message>
      <source>已撤销</source>
      <translation>Cancelled</translation>
    </message>
    <message>
      <source>已派遣</source>
      <translation>Dispatched</translation>
    </message>
    <message>
      <source>已结案</source>
      <translation>Closed</translation>
    </message>
    <message>
      <source>已连接</source>
      <translation>connected</translation>
    </message>
    <message>
      <source>待受理</source>
      <translation>New</translation>
    </message>
    <message>
      <source>待命</source>
      <translation>Available</translation>
    </message>
    <message>
      <source>抢修</source>
      <translation>Repair crew</translation>
    </message>
    <message>
      <source>报警已确认</source>
      <translation>Alarm acknowledged</translation>
    </message>
    <message>
      <source>报警未确认</source>
      <translation>Alarm unacknowledged</translation>
    </message>
    <message>
      <source>控制台预警</source>
      <translation>Console alert</translation>
    </message>
    <message>
      <source>数据停滞</source>
      <translation>stale</translation>
    </message>
    <message>
      <source>无数据</source>
      <translation>No data</translation>
    </message>
    <message>
      <source>时限</source>
      <translation>Due</translation>
    </message>
    <message>
      <source>智能视频</source>
      <translation>AI camera</translation>
    </message>
    <message>
      <source>更新</source>
      <translation>Updated</translation>
    </message>
    <message>
      <source>橙色</source>
      <translation>Orange</translation>
    </message>
    <message>
      <source>正常</source>
      <translation>Normal</translation>
    </message>
    <message>
      <source>气象</source>
      <translation>Weather</translation>
    </message>
    <message>
      <source>水务</source>
      <translation>Water</translation>
    </message>
    <message>
      <source>派遣</source>
      <translation>dispatch</translation>
    </message>
    <message>
      <source>消</source>
      <translation>F</translation>
    </message>
    <message>
      <source>消防</source>
      <translation>Fire</translation>
    </message>
    <message>
      <source>渠道</source>
      <translation>Channel</translation>
    </message>
    <message>
      <source>燃气</source>
      <translation>Gas</translation>
    </message>
    <message>
      <source>物联感知</source>
      <translation>IoT sensor</translation>
    </message>
    <message>
      <source>状态</source>
      <translation>State</translation>
    </message>
    <message>
      <source>环境</source>
      <translation>Environment</translation>
    </message>
    <message>
      <source>电力</source>
      <translation>Power</translation>
    </message>
    <message>
      <source>离线</source>
      <translation>Offline</translation>
    </message>
    <message>
      <source>空气</source>
      <translation>Air</translation>
    </message>
    <message>
      <source>红色</source>
      <translation>Red</translation>
    </message>
    <message>
      <source>级别</source>
      <translation>Level</translation>
    </message>
    <message>
      <source>结案</source>
      <translation>close</translation>
    </message>
    <message>
      <source>编号</source>
      <translation>Id</translation>
    </message>
    <message>
      <source>网</source>
      <translation>G</translation>
    </message>
    <message>
      <source>网格</source>
      <translation>Grid</translation>
    </message>
    <message>
      <source>网格巡查</source>
      <translation>Grid officer</translation>
    </message>
    <message>
      <source>蓝色</source>
      <translation>Blue</translation>
    </message>
    <message>
      <source>警</source>
      <translation>P</translation>
    </message>
    <message>
      <source>认证失败</source>
      <translation>auth failed</translation>
    </message>
    <message>
      <source>设计抑制</source>
      <translation>Suppressed by design</translation>
    </message>
    <message>
      <source>赶赴</source>
      <translation>En route</translation>
    </message>
    <message>
      <source>轨交</source>
      <translation>Metro</translation>
    </message>
    <message>
      <source>返回</source>
      <translation>Returning</translation>
    </message>
    <message>
      <source>连接中</source>
      <translation>connecting</translation>
    </message>
    <message>
      <source>重连中</source>
      <translation>reconnecting</translation>
    </message>
    <message>
      <source>预警</source>
      <translation>Warning</translation>
    </message>
    <message>
      <source>黄色</source>
      <translation>Yellow</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>事件队列</source>
      <translation>Incident queue</translation>
    </message>
    <message>
      <source>交接班报告已生成：{0}</source>
      <translation>Handover report written: {0}</translation>
    </message>
    <message>
      <source>值班员解除</source>
      <translation>lifted by the duty officer</translation>
    </message>
    <message>
      <source>关于与诊断信息…</source>
      <translation>About and diagnostics…</translation>
    </message>
    <message>
      <source>区域</source>
      <translation>Region</translation>
    </message>
    <message>
      <source>原因（必填）</source>
      <translation>Reason (required)</translation>
    </message>
    <message>
      <source>双击下钻到 {0}</source>
      <translation>Double-click to drill down to {0}</translation>
    </message>
    <message>
      <source>只能搁置控制台报警（◆）</source>
      <translation>Only console alarms (◆) can be shelved</translation>
    </message>
    <message>
      <source>启用原因（必填）</source>
      <translation>Reason (required)</translation>
    </message>
    <message>
      <source>在办</source>
      <translation>Holding</translation>
    </message>
    <message>
      <source>城市生命体征</source>
      <translation>City vital signs</translation>
    </message>
    <message>
      <source>城运态势台 CityOps Console</source>
      <translation>CityOps Console (城运态势台)</translation>
    </message>
    <message>
      <source>处置单位</source>
      <translation>Unit</translation>
    </message>
    <message>
      <source>大屏模式</source>
      <translation>Big-screen wall</translation>
    </message>
    <message>
      <source>导入布局…</source>
      <translation>Import layout…</translation>
    </message>
    <message>
      <source>导出布局…</source>
      <translation>Export layout…</translation>
    </message>
    <message>
      <source>已搁置：{0}，至 {1}（{2}，{3}）</source>
      <translation>Shelved: {0}, until {1} ({2}, {3})</translation>
    </message>
    <message>
      <source>布局已导入：{0}</source>
      <translation>Layout imported: {0}</translation>
    </message>
    <message>
      <source>布局已导出：{0}</source>
      <translation>Layout exported: {0}</translation>
    </message>
    <message>
      <source>布局文件 (*.cityops-layout)</source>
      <translation>Layout files (*.cityops-layout)</translation>
    </message>
    <message>
      <source>布局文件未能使用：{0}</source>
      <translation>Layout file not used: {0}</translation>
    </message>
    <message>
      <source>帮助</source>
      <translation>Help</translation>
    </message>
    <message>
      <source>应急资源</source>
      <translation>Emergency resources</translation>
    </message>
    <message>
      <source>恢复默认布局</source>
      <translation>Reset layout</translation>
    </message>
    <message>
      <source>报警已确认</source>
      <translation>Alarm acknowledged</translation>
    </message>
    <message>
      <source>报警洪峰：10 分钟内 {0} 条（EEMUA 191 上限 10）。已按原因和区域合并、最高级别在前；低级别提示音暂停。</source>
      <translation>Alarm flood: {0} in 10 minutes (EEMUA 191 limit: 10). Grouped by cause and area, highest priority first; low-priority sounds held.</translation>
    </message>
    <message>
      <source>指标详情</source>
      <translation>Indicator detail</translation>
    </message>
    <message>
      <source>搁置</source>
      <translation>Shelve</translation>
    </message>
    <message>
      <source>搁置所选报警…</source>
      <translation>Shelve the selected alarm…</translation>
    </message>
    <message>
      <source>时长（分钟）</source>
      <translation>Duration (minutes)</translation>
    </message>
    <message>
      <source>最紧急事件</source>
      <translation>Most urgent incident</translation>
    </message>
    <message>
      <source>生成交接班报告（最近 8 小时）</source>
      <translation>Write the handover report (last 8 hours)</translation>
    </message>
    <message>
      <source>紧急状态模式</source>
      <translation>Emergency mode</translation>
    </message>
    <message>
      <source>紧急状态模式…</source>
      <translation>Emergency mode…</translation>
    </message>
    <message>
      <source>红色超时提示音静音</source>
      <translation>Mute the red-breach sound</translation>
    </message>
    <message>
      <source>规则</source>
      <translation>Rule</translation>
    </message>
    <message>
      <source>视图</source>
      <translation>View</translation>
    </message>
    <message>
      <source>解除紧急状态，恢复常态规则和布局？</source>
      <translation>Lift emergency mode and return to the normal rules and layout?</translation>
    </message>
    <message>
      <source>语言</source>
      <translation>Language</translation>
    </message>
    <message>
      <source>静默</source>
      <translation>Silence</translation>
    </message>
    <message>
      <source>静默中：{0} {1}，至 {2}（{3}，{4}）</source>
      <translation>Silenced: {0} {1} until {2} ({3}, {4})</translation>
    </message>
    <message>
      <source>静默对象</source>
      <translation>What to silence</translation>
    </message>
    <message>
      <source>静默规则或区域…</source>
      <translation>Silence a rule or region…</translation>
    </message>
  </context>
  <context>
    <name>ReplayBar</name>
    <message>
      <source>■ 暂停</source>
      <translation>■ Pause</translation>
    </message>
    <message>
      <source>▶ 播放</source>
      <translation>▶ Play</translation>
    </message>
    <message>
      <source>书签</source>
      <translation>Bookmark</translation>
    </message>
    <message>
      <source>书签：{0}</source>
      <translation>Bookmark: {0}</translation>
    </message>
    <message>
      <source>回到实时 (End)</source>
      <translation>Back to live (End)</translation>
    </message>
    <message>
      <source>回到实时画面（End 或 Ctrl+L）</source>
      <translation>Back to the live picture (End or Ctrl+L)</translation>
    </message>
    <message>
      <source>回放 {0}</source>
      <translation>Replay {0}</translation>
    </message>
    <message>
      <source>在当前时刻加书签（B）</source>
      <translation>Bookmark this instant (B)</translation>
    </message>
    <message>
      <source>实时 {0}</source>
      <translation>Live {0}</translation>
    </message>
    <message>
      <source>时移 {0}（落后 {1}）</source>
      <translation>Shifted {0} ({1} behind)</translation>
    </message>
    <message>
      <source>暂停后新增 {0} 个事件</source>
      <translation>{0} new since you paused</translation>
    </message>
    <message>
      <source>最快</source>
      <translation>Fastest</translation>
    </message>
  </context>
  <context>
    <name>ReplayController</name>
    <message>
      <source>角色 {0} 不能导出数据</source>
      <translation>Role {0} may not export data</translation>
    </message>
  </context>
  <context>
    <name>StartupError</name>
    <message>
      <source>城运态势台无法启动</source>
      <translation>CityOps Console cannot start</translation>
    </message>
    <message>
      <source>配置有误，控制台未启动。请修正后重试（可用 cityops check-config 检查）。</source>
      <translation>The configuration has a mistake, so the console did not start. Correct it and try again (cityops check-config checks it).</translation>
    </message>
  </context>
  <context>
    <name>TimeShiftController</name>
    <message>
      <source>大屏显示中：关闭大屏后才能时移</source>
      <translation>A wall screen shows this picture: close it to time-shift</translation>
    </message>
    <message>
      <source>无法时移：{0}</source>
      <translation>Cannot time-shift: {0}</translation>
    </message>
    <message>
      <source>时移中：回到实时（End）后才能处置事件</source>
      <translation>Time-shifted: go back to live (End) to act on incidents</translation>
    </message>
  </context>
  <context>
    <name>UnitView</name>
    <message>
      <source>任务</source>
      <translation>Task</translation>
    </message>
    <message>
      <source>处置力量</source>
      <translation>Dispatch unit</translation>
    </message>
    <message>
      <source>状态</source>
      <translation>State</translation>
    </message>
    <message>
      <source>类型</source>
      <translation>Kind</translation>
    </message>
  </context>
  <context>
    <name>WallWindow</name>
    <message>
      <source>城运态势台</source>
      <translation>CityOps</translation>
    </message>
    <message>
      <source>实时 · 数据 {0}</source>
      <translation>Live · data {0}</translation>
    </message>
    <message>
      <source>数据中断</source>
      <translation>Feed down</translation>
    </message>
    <message>
      <source>数据中断：{0} · 最后数据 {1}（{2}前）· 画面不是实时</source>
      <translation>FEED DOWN: {0} · last data {1} ({2} ago) · this picture is not live</translation>
    </message>
    <message>
      <source>数据停滞</source>
      <translation>Data stale</translation>
    </message>
    <message>
      <source>数据已 {0} 未更新（最后 {1}）· 画面不是实时</source>
      <translation>NO NEW DATA for {0} (last {1}) · this picture is not live</translation>
    </message>
    <message>
      <source>暂无红色、橙色事件</source>
      <translation>No red or orange incidents</translation>
    </message>
    <message>
      <source>未结 红色 {0} · 橙色 {1}</source>
      <translation>Open: red {0} · orange {1}</translation>
    </message>
    <message>
      <source>本级未结 红色 {0} · 橙色 {1}</source>
      <translation>Open here: red {0} · orange {1}</translation>
    </message>
  </context>
</TS>
