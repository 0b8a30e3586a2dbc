//! Every `code` a problem can carry (in `errors[].code`, or `code` of a 409), with what it means in
//! English and Chinese: the contract lists them, and Chinese messages come from here.
//!
//! The codes are written where their rules are: `RuleViolation`s and `Refusal`s in
//! [`crate::domain`], `FieldError`s and `ApiError::bad_request`/`invalid`/`conflict` in the API and
//! service layers, serde and schema errors in `api::extract` and `api::schema_check`, database
//! constraints in [`crate::error`]. An import's row report (200, or 422 when nothing is written)
//! carries in its rows' `errors` the codes a create would answer with, and a few of its own;
//! `statuses` lists the problem statuses a code comes with, and 200/422 for the import-only ones.
//! Warnings (`late_talk` on a development step, a party organization's formation warnings) are
//! not errors and are not listed.

/// A code a client can receive.
pub struct ErrorCode {
    pub code: &'static str,
    /// The HTTP statuses it comes with (400, 409, 422, ...).
    pub statuses: &'static [u16],
    /// What it means, in English (one short sentence).
    pub about: &'static str,
    /// The message a Chinese front end shows for it (short, natural Simplified Chinese as used in
    /// 党建 work, e.g. "入党积极分子培养教育时间不满一年"). No placeholders.
    pub message_zh: &'static str,
}

/// Every code, sorted by `code`.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode {
        code: "activist_required",
        statuses: &[409],
        about: "The step is for an activist for party membership, and the member is not one (or has no designation recorded).",
        message_zh: "该步骤须在确定为入党积极分子后办理",
    },
    ErrorCode {
        code: "alphabet",
        statuses: &[422],
        about: "The unified social credit code has a character outside its alphabet (0-9 and A-Z except I, O, S, V, Z).",
        message_zh: "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）",
    },
    ErrorCode {
        code: "already_applied",
        statuses: &[409],
        about: "An application to join is already recorded for the member.",
        message_zh: "已有入党申请记录，不能重复申请",
    },
    ErrorCode {
        code: "already_decided",
        statuses: &[409],
        about: "The fund entry is not pending approval: it was decided already or needs no approval.",
        message_zh: "该笔经费已审批或无需审批",
    },
    ErrorCode {
        code: "already_ended",
        statuses: &[409],
        about: "The instructor assignment or party worker appointment has ended already.",
        message_zh: "已经结束，不能重复办理",
    },
    ErrorCode {
        code: "already_evaluated",
        statuses: &[409],
        about: "The post already has an evaluation for that year; a post is evaluated once a year.",
        message_zh: "该岗位当年已有评议，每年只评议一次",
    },
    ErrorCode {
        code: "already_full",
        statuses: &[409],
        about: "A full member does not leave the development pipeline; record a transfer or a status change instead.",
        message_zh: "正式党员不能退出发展党员程序，请办理组织关系转接或变更党员状态",
    },
    ErrorCode {
        code: "already_recorded",
        statuses: &[409],
        about: "The talk with the applicant is already recorded.",
        message_zh: "已有与入党申请人谈话的记录",
    },
    ErrorCode {
        code: "already_reversed",
        statuses: &[409],
        about: "The fund entry has been reversed already.",
        message_zh: "该笔经费记录已冲销",
    },
    ErrorCode {
        code: "already_serving",
        statuses: &[409],
        about: "The member already holds a current position in this party organization.",
        message_zh: "该党员已在本党组织担任职务",
    },
    ErrorCode {
        code: "applicant_required",
        statuses: &[409],
        about: "The step is for an applicant for party membership, and the member is not one.",
        message_zh: "该步骤仅适用于入党申请人",
    },
    ErrorCode {
        code: "application_required",
        statuses: &[409],
        about: "No application to join is recorded for the member.",
        message_zh: "尚无入党申请记录",
    },
    ErrorCode {
        code: "archived",
        statuses: &[409],
        about: "The resource is archived and can no longer be changed.",
        message_zh: "该记录已归档，不能修改",
    },
    ErrorCode {
        code: "assessment_required",
        statuses: &[409],
        about: "No assessment of the activist is recorded since the designation.",
        message_zh: "确定为入党积极分子以来尚无培养考察记录",
    },
    ErrorCode {
        code: "backwards",
        statuses: &[409],
        about: "A concern in progress cannot be reopened.",
        message_zh: "职工诉求已在办理中，不能退回待办理状态",
    },
    ErrorCode {
        code: "before_post",
        statuses: &[409],
        about: "The evaluation is dated before the post began.",
        message_zh: "评议日期早于岗位设立日期",
    },
    ErrorCode {
        code: "birth_date",
        statuses: &[422],
        about: "Digits 7 to 14 of the citizen ID number are not a valid date.",
        message_zh: "公民身份号码中的出生日期码无效",
    },
    ErrorCode {
        code: "cancelled",
        statuses: &[409],
        about: "The meeting was cancelled; plan a new one.",
        message_zh: "会议已取消，请重新安排",
    },
    ErrorCode {
        code: "candidate_required",
        statuses: &[409],
        about: "The step is for a candidate for development, and the member is not one.",
        message_zh: "该步骤仅适用于发展对象",
    },
    ErrorCode {
        code: "category_kind",
        statuses: &[422],
        about: "The category does not belong to the organization's kind.",
        message_zh: "组织类别与组织类型不符",
    },
    ErrorCode {
        code: "charset",
        statuses: &[400],
        about: "The uploaded file is neither UTF-8 nor GBK/GB18030 text.",
        message_zh: "编码无法识别：请使用 UTF-8，或 GBK/GB18030（charset=gbk）",
    },
    ErrorCode {
        code: "check_digit",
        statuses: &[422],
        about: "The check character of the citizen ID number or unified social credit code is wrong.",
        message_zh: "校验码不正确",
    },
    ErrorCode {
        code: "closed",
        statuses: &[409],
        about: "The concern is closed (resolved or declined); raise a new one.",
        message_zh: "该职工诉求已办结（已解决或不予解决），请重新登记",
    },
    ErrorCode {
        code: "columns",
        statuses: &[200, 422],
        about: "An import row has cells beyond, or a different count from, the header's columns.",
        message_zh: "该行的列数与表头不一致",
    },
    ErrorCode {
        code: "control_character",
        statuses: &[422],
        about: "Text holds a control character other than tab, line feed or carriage return.",
        message_zh: "不能包含控制字符（只允许制表符、换行符和回车符）",
    },
    ErrorCode {
        code: "credentials_in_url",
        statuses: &[422],
        about: "A webhook URL carries no user name or password.",
        message_zh: "回调地址不能包含用户名或密码",
    },
    ErrorCode {
        code: "csv",
        statuses: &[400],
        about: "The CSV file cannot be read.",
        message_zh: "CSV 文件无法读取",
    },
    ErrorCode {
        code: "cursor",
        statuses: &[400],
        about: "The cursor is not one returned by this list.",
        message_zh: "分页游标无效，请使用上一页返回的游标",
    },
    ErrorCode {
        code: "cycle",
        statuses: &[409],
        about: "A party organization cannot be placed under itself or one of its subordinate organizations.",
        message_zh: "不能将党组织设在其自身或其下级党组织之下",
    },
    ErrorCode {
        code: "distinct",
        statuses: &[422],
        about: "Contacts and introducers are members other than the one developed, each named once.",
        message_zh: "培养联系人和入党介绍人须为本人以外的党员，且不能重复",
    },
    ErrorCode {
        code: "draft_exists",
        statuses: &[409],
        about: "The activity already has a draft of its results; change or publish it.",
        message_zh: "该活动已有结果草稿，请修改或发布",
    },
    ErrorCode {
        code: "duplicate",
        statuses: &[400, 422],
        about: "The same query parameter, or the same member in an attendance list, is given twice.",
        message_zh: "重复填写",
    },
    ErrorCode {
        code: "duplicate_in_file",
        statuses: &[200, 422],
        about: "An earlier row of the import file has the same value.",
        message_zh: "与文件中前面的行重复",
    },
    ErrorCode {
        code: "election_quorum",
        statuses: &[409],
        about: "An election needs more than four fifths of the full members entitled to vote present.",
        message_zh: "到会有选举权的正式党员未超过应到会人数的五分之四，不能进行选举",
    },
    ErrorCode {
        code: "enum",
        statuses: &[400, 422],
        about: "The value is not one of those allowed.",
        message_zh: "不是允许的取值",
    },
    ErrorCode {
        code: "etag",
        statuses: &[400],
        about: "If-Match is not an entity tag of this resource.",
        message_zh: "If-Match 不是有效的 ETag，请使用读取时得到的 ETag",
    },
    ErrorCode {
        code: "extension_already_used",
        statuses: &[409],
        about: "Probation can be extended only once, and it was extended already.",
        message_zh: "预备期已延长过一次，不能再次延长",
    },
    ErrorCode {
        code: "format",
        statuses: &[400, 422],
        about: "The value does not have the required format.",
        message_zh: "格式不正确",
    },
    ErrorCode {
        code: "full_required",
        statuses: &[409],
        about: "The step is for a full member, and the member is not one.",
        message_zh: "该步骤仅适用于正式党员",
    },
    ErrorCode {
        code: "future_date",
        statuses: &[422],
        about: "The date is after today; only what has happened is recorded.",
        message_zh: "日期不能晚于今天",
    },
    ErrorCode {
        code: "general_meeting_only",
        statuses: &[409],
        about: "Only a general meeting of the branch's members votes.",
        message_zh: "只有支部党员大会才能进行表决",
    },
    ErrorCode {
        code: "group_meeting_only",
        statuses: &[422],
        about: "Only a party group meeting belongs to a party group.",
        message_zh: "只有党小组会才能指定党小组",
    },
    ErrorCode {
        code: "half_hour_steps",
        statuses: &[422],
        about: "Study hours run from 0.5 to 24, in half-hour steps.",
        message_zh: "学时应在 0.5 至 24 之间，以半小时为单位",
    },
    ErrorCode {
        code: "has_active_assignment",
        statuses: &[409],
        about: "The instructor still has an active assignment; end it or hand it over first.",
        message_zh: "该党建指导员仍有在派驻的单位，请先结束或移交",
    },
    ErrorCode {
        code: "has_children",
        statuses: &[409],
        about: "Live party organizations are below this one; move or archive them first.",
        message_zh: "该党组织下仍有下级党组织，请先调整隶属关系或归档",
    },
    ErrorCode {
        code: "has_members",
        statuses: &[409],
        about: "Active members belong to or are hosted by this party organization; transfer them first.",
        message_zh: "该党组织仍有党员（含流入党员），请先办理组织关系转接",
    },
    ErrorCode {
        code: "https_required",
        statuses: &[422],
        about: "Webhooks are sent over https only.",
        message_zh: "回调地址必须使用 HTTPS",
    },
    ErrorCode {
        code: "id_number_mismatch",
        statuses: &[422],
        about: "The birth date or gender disagrees with the citizen ID number.",
        message_zh: "与公民身份号码中的出生日期或性别不一致",
    },
    ErrorCode {
        code: "instructor_at_capacity",
        statuses: &[409],
        about: "The instructor already holds the most active assignments allowed.",
        message_zh: "该党建指导员联系的单位数已达上限",
    },
    ErrorCode {
        code: "instructor_inactive",
        statuses: &[409],
        about: "The instructor is inactive and cannot be assigned.",
        message_zh: "该党建指导员已停用，不能选派",
    },
    ErrorCode {
        code: "instructor_not_party_member",
        statuses: &[409],
        about: "Only an instructor who is a full party member is assigned.",
        message_zh: "党建指导员须为正式党员",
    },
    ErrorCode {
        code: "insufficient_funds",
        statuses: &[409],
        about: "The party organization's fund balance does not cover the amount.",
        message_zh: "党建经费余额不足",
    },
    ErrorCode {
        code: "invalid",
        statuses: &[200, 422],
        about: "An import row could not be checked for another reason.",
        message_zh: "该行数据无法处理",
    },
    ErrorCode {
        code: "invalid_client",
        statuses: &[400],
        about: "The client id or secret is wrong.",
        message_zh: "客户端 ID 或密钥错误",
    },
    ErrorCode {
        code: "invalid_grant",
        statuses: &[400],
        about: "The username or password is wrong, or the refresh token is invalid or expired.",
        message_zh: "用户名或密码错误，或刷新令牌无效、已过期",
    },
    ErrorCode {
        code: "invalid_scope",
        statuses: &[400],
        about: "A requested scope is not one the client holds.",
        message_zh: "申请的授权范围超出该客户端的权限",
    },
    ErrorCode {
        code: "invalid_url",
        statuses: &[422],
        about: "The webhook URL is not an absolute URL with a host.",
        message_zh: "回调地址不是有效的完整网址",
    },
    ErrorCode {
        code: "json_syntax",
        statuses: &[400],
        about: "The body is not valid JSON.",
        message_zh: "不是有效的 JSON",
    },
    ErrorCode {
        code: "length",
        statuses: &[400, 422],
        about: "The text or list is too short or too long.",
        message_zh: "长度不符合要求",
    },
    ErrorCode {
        code: "masked_value",
        statuses: &[422],
        about: "The value holds the mask character *; send the real value, or the masked value as read to keep it.",
        message_zh: "包含脱敏字符 *：请填写真实值，或原样发回读取到的脱敏值以保持不变",
    },
    ErrorCode {
        code: "meeting_mismatch",
        statuses: &[409],
        about: "The admission vote does not match the held general meeting it names (meeting, date or counts).",
        message_zh: "与所引用的支部党员大会表决记录不一致",
    },
    ErrorCode {
        code: "member_not_active",
        statuses: &[409],
        about: "Only an active member takes development steps.",
        message_zh: "该人员当前状态不能办理发展党员程序",
    },
    ErrorCode {
        code: "member_status",
        statuses: &[409],
        about: "The member's status does not allow this transfer.",
        message_zh: "党员当前状态不能办理此项组织关系转接",
    },
    ErrorCode {
        code: "min_activist_period",
        statuses: &[409],
        about: "A candidate is designated after at least one year as an activist.",
        message_zh: "入党积极分子培养教育时间不满一年",
    },
    ErrorCode {
        code: "min_training",
        statuses: &[409],
        about: "A candidate for development needs at least 24 class hours (3 days) of training.",
        message_zh: "短期集中培训不足三天（24 学时）",
    },
    ErrorCode {
        code: "missing_member",
        statuses: &[422],
        about: "The attendance does not list every member expected at the meeting.",
        message_zh: "有应到会党员未登记出席情况",
    },
    ErrorCode {
        code: "more_votes_than_voters",
        statuses: &[409],
        about: "More votes were cast than full members were present.",
        message_zh: "票数超过到会有表决权的正式党员人数",
    },
    ErrorCode {
        code: "needs_transfer",
        statuses: &[409],
        about: "A member with this citizen ID number is already registered in your scope; correct or transfer that record.",
        message_zh: "该公民身份号码已在您管辖范围内登记，请更正原记录或办理组织关系转接",
    },
    ErrorCode {
        code: "no_results",
        statuses: &[409],
        about: "Only skills competitions, expert evaluations and innovation lists have ranked results.",
        message_zh: "只有岗位技能竞赛、岗位能手评选和技术创新贡献榜有排名结果",
    },
    ErrorCode {
        code: "not_a_party_member",
        statuses: &[409],
        about: "A post is held by an active full or probationary member.",
        message_zh: "党员责任区、示范岗、先锋岗须由在册的正式党员或预备党员担任",
    },
    ErrorCode {
        code: "not_a_theme_party_day",
        statuses: &[422],
        about: "The meeting named is not a theme party day of the party organization.",
        message_zh: "所选会议不是本党组织的主题党日",
    },
    ErrorCode {
        code: "not_allowed",
        statuses: &[422],
        about: "The field does not apply to this kind of record.",
        message_zh: "此情形下不应填写该项",
    },
    ErrorCode {
        code: "not_counted",
        statuses: &[409],
        about: "Only an entry that counts can be reversed; reject a pending expenditure instead.",
        message_zh: "只有已生效的经费记录才能冲销，待审批的支出请直接驳回",
    },
    ErrorCode {
        code: "not_covered",
        statuses: &[409, 422],
        about: "The organization is not covered by the party organization.",
        message_zh: "该单位不在党组织覆盖范围内",
    },
    ErrorCode {
        code: "not_expected",
        statuses: &[422],
        about: "The member is not expected at this meeting.",
        message_zh: "该党员不是本次会议的应到会人员",
    },
    ErrorCode {
        code: "not_full_member",
        statuses: &[409, 422],
        about: "The member named is not an active full member (of this party organization, for a party worker).",
        message_zh: "须为在册的正式党员",
    },
    ErrorCode {
        code: "not_full_member_here",
        statuses: &[422],
        about: "The secretary must be an active full member of this party organization.",
        message_zh: "书记须为本党组织在册的正式党员",
    },
    ErrorCode {
        code: "not_held",
        statuses: &[409],
        about: "The meeting is not recorded as held.",
        message_zh: "会议尚未登记为已召开",
    },
    ErrorCode {
        code: "not_ideological_work",
        statuses: &[409],
        about: "Concerns are raised only in discussions, employee invitations and face-to-face sessions.",
        message_zh: "只有谈心交流、职工邀请党员和党代表与职工面对面活动才能登记职工诉求",
    },
    ErrorCode {
        code: "not_member_here",
        statuses: &[422],
        about: "The member's party relation is not held by this party organization.",
        message_zh: "该党员的组织关系不在本党组织",
    },
    ErrorCode {
        code: "not_mobile",
        statuses: &[422],
        about: "Only a mobile member has a host party organization.",
        message_zh: "只有流动党员才能填写流入地党组织",
    },
    ErrorCode {
        code: "not_permitted",
        statuses: &[422],
        about: "You may not read resources of this event type.",
        message_zh: "无权订阅该类资源的事件",
    },
    ErrorCode {
        code: "not_planned",
        statuses: &[409],
        about: "Only a planned meeting is held or cancelled.",
        message_zh: "只有计划中的会议才能登记召开或取消",
    },
    ErrorCode {
        code: "not_settable",
        statuses: &[422],
        about: "A webhook becomes failing by itself; set it active or paused.",
        message_zh: "该状态由系统自动设置，只能设为启用或暂停",
    },
    ErrorCode {
        code: "not_yet",
        statuses: &[409],
        about: "The meeting has not started yet; record it once it has been held.",
        message_zh: "会议尚未开始，请在召开后登记",
    },
    ErrorCode {
        code: "one_person_one_enterprise",
        statuses: &[409],
        about: "Another active assignment holds the place (one person, one enterprise).",
        message_zh: "违反“一人一企”规定：该派驻名额已被其他在岗派驻占用",
    },
    ErrorCode {
        code: "order",
        statuses: &[422],
        about: "A date or time is out of order with another (an end before its start, for example).",
        message_zh: "日期先后顺序不正确",
    },
    ErrorCode {
        code: "organization_has_instructor",
        statuses: &[409],
        about: "The organization already has an active instructor assignment.",
        message_zh: "该单位已有在岗的党建指导员",
    },
    ErrorCode {
        code: "out_of_order",
        statuses: &[409],
        about: "The step is dated before the last recorded step.",
        message_zh: "步骤日期早于上一个已记录的步骤",
    },
    ErrorCode {
        code: "outside_period",
        statuses: &[422],
        about: "The visit is dated outside the assignment's period.",
        message_zh: "走访日期不在派驻期内",
    },
    ErrorCode {
        code: "outside_scope",
        statuses: &[422],
        about: "The region or place in the tree is outside what your roles reach.",
        message_zh: "超出您的管辖范围",
    },
    ErrorCode {
        code: "partial_reversal",
        statuses: &[409],
        about: "A reversal undoes its entry in full, for the same amount.",
        message_zh: "冲销金额须与原记录一致，只能全额冲销",
    },
    ErrorCode {
        code: "period_overlap",
        statuses: &[409],
        about: "The assignment overlaps another of the same instructor to the same organization.",
        message_zh: "与该党建指导员在该单位的已有派驻期重叠",
    },
    ErrorCode {
        code: "pipeline_only",
        statuses: &[422],
        about: "Activists and candidates are reached through development steps, not registered directly.",
        message_zh: "入党积极分子和发展对象须通过发展党员程序确定，不能直接登记",
    },
    ErrorCode {
        code: "post_overlaps",
        statuses: &[409],
        about: "The member already holds a post of this kind in this organization in that period.",
        message_zh: "该党员同期在该单位已有同类岗位",
    },
    ErrorCode {
        code: "private_address",
        statuses: &[422],
        about: "The webhook URL is, or resolves to, a loopback, private or otherwise internal address.",
        message_zh: "回调地址指向内网或保留地址",
    },
    ErrorCode {
        code: "probation_not_over",
        statuses: &[409],
        about: "Probation has not ended; conversion to full membership is possible from its end date.",
        message_zh: "预备期未满，不能转为正式党员",
    },
    ErrorCode {
        code: "probation_unknown",
        statuses: &[409],
        about: "The member's probation has no recorded end.",
        message_zh: "未记录预备期满日期",
    },
    ErrorCode {
        code: "probationary_required",
        statuses: &[409],
        about: "The step is for a probationary member, and the member is not one.",
        message_zh: "该步骤仅适用于预备党员",
    },
    ErrorCode {
        code: "public_notice_not_over",
        statuses: &[409],
        about: "The admission vote is held only after the public notice has ended.",
        message_zh: "公示期未满，不能提交支部党员大会讨论",
    },
    ErrorCode {
        code: "public_notice_period",
        statuses: &[409],
        about: "The public notice lasts fewer than five working days.",
        message_zh: "公示期不足五个工作日",
    },
    ErrorCode {
        code: "public_notice_required",
        statuses: &[409],
        about: "No public notice of the candidate is recorded.",
        message_zh: "尚未对发展对象进行公示",
    },
    ErrorCode {
        code: "published",
        statuses: &[409],
        about: "A published list does not change; start a new revision to correct it.",
        message_zh: "结果已发布，不能修改；如需更正请新建修订版本",
    },
    ErrorCode {
        code: "quorum",
        statuses: &[409],
        about: "A vote needs more than half of the full members entitled to vote present.",
        message_zh: "到会有表决权的正式党员未超过半数，不能进行表决",
    },
    ErrorCode {
        code: "range",
        statuses: &[400, 422],
        about: "The number is outside the allowed range.",
        message_zh: "超出允许范围",
    },
    ErrorCode {
        code: "ranks",
        statuses: &[422],
        about: "Ranks run from 1 in list order; ties share a rank and the next rank skips.",
        message_zh: "名次须从 1 起依次排列，并列名次之后应跳过相应名次",
    },
    ErrorCode {
        code: "read",
        statuses: &[400],
        about: "The request body could not be read.",
        message_zh: "请求体读取失败",
    },
    ErrorCode {
        code: "read_only",
        statuses: &[422],
        about: "The field is set by the server; send it as read or leave it out.",
        message_zh: "为只读字段：请原样发回读取到的值，或省略",
    },
    ErrorCode {
        code: "reason_required",
        statuses: &[409, 422],
        about: "A reason is required: for declining a concern, or for an excused absence.",
        message_zh: "须说明理由",
    },
    ErrorCode {
        code: "reference_violation",
        statuses: &[409],
        about: "A referenced record does not exist or is still referenced.",
        message_zh: "引用的记录不存在，或该记录仍被其他记录引用",
    },
    ErrorCode {
        code: "region_level",
        statuses: &[422],
        about: "An organization is registered at a county or township division code.",
        message_zh: "须使用县级或乡级行政区划代码",
    },
    ErrorCode {
        code: "required",
        statuses: &[400, 422],
        about: "The field is required.",
        message_zh: "必填",
    },
    ErrorCode {
        code: "reversal_of_reversal",
        statuses: &[409],
        about: "A reversal cannot itself be reversed.",
        message_zh: "冲销记录不能再冲销",
    },
    ErrorCode {
        code: "rrule",
        statuses: &[422],
        about: "The recurrence rule is not in the supported RRULE subset.",
        message_zh: "重复规则格式不正确",
    },
    ErrorCode {
        code: "same_as_current",
        statuses: &[422],
        about: "The member's relation is already held by that party organization.",
        message_zh: "该党员的组织关系已在目标党组织",
    },
    ErrorCode {
        code: "same_as_home",
        statuses: &[422],
        about: "The host party organization must differ from the one holding the relation.",
        message_zh: "流入地党组织不能与组织关系所在党组织相同",
    },
    ErrorCode {
        code: "same_person",
        statuses: &[409],
        about: "An expenditure is approved or rejected by someone other than who recorded it.",
        message_zh: "支出须由登记人以外的人员审批",
    },
    ErrorCode {
        code: "scope_not_allowed",
        statuses: &[422],
        about: "The role takes no such scope field.",
        message_zh: "该角色不应设置此范围",
    },
    ErrorCode {
        code: "scope_required",
        statuses: &[422],
        about: "The role needs its scope: a region, party organization, member or instructor.",
        message_zh: "该角色须指定管辖范围",
    },
    ErrorCode {
        code: "secretary_taken",
        statuses: &[409],
        about: "The party organization has a current secretary; end that appointment first.",
        message_zh: "该党组织已有在任书记，请先免去原书记职务",
    },
    ErrorCode {
        code: "talk_required",
        statuses: &[409],
        about: "No talk with the applicant is recorded.",
        message_zh: "党组织尚未派人与入党申请人谈话",
    },
    ErrorCode {
        code: "type",
        statuses: &[400, 422],
        about: "The value has the wrong JSON type.",
        message_zh: "类型不正确",
    },
    ErrorCode {
        code: "type_prefix",
        statuses: &[422],
        about: "The code's registration authority and type characters do not fit the organization's kind.",
        message_zh: "统一社会信用代码的登记管理部门码和机构类别码与组织类型不符",
    },
    ErrorCode {
        code: "under_18",
        statuses: &[409],
        about: "The applicant is under 18 on the application date.",
        message_zh: "申请人未满十八周岁",
    },
    ErrorCode {
        code: "unique",
        statuses: &[200, 422],
        about: "The value repeats: listed twice, or already registered.",
        message_zh: "不能重复",
    },
    ErrorCode {
        code: "unique_violation",
        statuses: &[409],
        about: "A record with the same unique value (uscc, citizen ID number, username) exists.",
        message_zh: "已存在相同的记录",
    },
    ErrorCode {
        code: "unknown_column",
        statuses: &[422],
        about: "A header cell names no column of this import.",
        message_zh: "表头含有本导入不支持的列",
    },
    ErrorCode {
        code: "unknown_entry",
        statuses: &[409],
        about: "The entry to reverse is not one of this party organization's fund.",
        message_zh: "要冲销的记录不是本党组织的经费记录",
    },
    ErrorCode {
        code: "unknown_field",
        statuses: &[400, 422],
        about: "The field is not one this request has.",
        message_zh: "不是此请求的字段",
    },
    ErrorCode {
        code: "unknown_instructor",
        statuses: &[422],
        about: "No such instructor within your reach.",
        message_zh: "党建指导员不存在或不在您的管辖范围内",
    },
    ErrorCode {
        code: "unknown_member",
        statuses: &[422],
        about: "No such active member within your reach.",
        message_zh: "党员不存在或不在您的管辖范围内",
    },
    ErrorCode {
        code: "unknown_organization",
        statuses: &[422],
        about: "No such registered organization within your reach.",
        message_zh: "单位未登记或不在您的管辖范围内",
    },
    ErrorCode {
        code: "unknown_parameter",
        statuses: &[400],
        about: "The query parameter is not one this operation takes.",
        message_zh: "不是此操作的查询参数",
    },
    ErrorCode {
        code: "unknown_party_group",
        statuses: &[422],
        about: "Not a live party group of the party organization.",
        message_zh: "党小组不存在或不属于该党组织",
    },
    ErrorCode {
        code: "unknown_party_organization",
        statuses: &[422],
        about: "No such party organization within your reach.",
        message_zh: "党组织不存在或不在您的管辖范围内",
    },
    ErrorCode {
        code: "unknown_region",
        statuses: &[422],
        about: "The code is not in the administrative division table.",
        message_zh: "行政区划代码不存在",
    },
    ErrorCode {
        code: "unknown_scope",
        statuses: &[422],
        about: "Not an OAuth scope of this API.",
        message_zh: "不是有效的授权范围",
    },
    ErrorCode {
        code: "unknown_timezone",
        statuses: &[422],
        about: "Not an IANA timezone.",
        message_zh: "不是有效的时区",
    },
    ErrorCode {
        code: "unknown_type",
        statuses: &[400],
        about: "Not a resource type of the event feed.",
        message_zh: "不是事件流支持的资源类型",
    },
    ErrorCode {
        code: "unknown_user",
        statuses: &[422],
        about: "No such user.",
        message_zh: "用户不存在",
    },
    ErrorCode {
        code: "unresolvable",
        statuses: &[422],
        about: "The webhook URL's host does not resolve to an address.",
        message_zh: "回调地址的域名无法解析",
    },
    ErrorCode {
        code: "unsupported_grant_type",
        statuses: &[400],
        about: "The grant type is not password, refresh_token or client_credentials.",
        message_zh: "不支持该授权类型",
    },
    ErrorCode {
        code: "vote_majority",
        statuses: &[409],
        about: "Admission or conversion needs yes votes from more than half of the full members entitled to vote.",
        message_zh: "赞成票未超过应到会有表决权正式党员的半数",
    },
    ErrorCode {
        code: "xlsx",
        statuses: &[400],
        about: "The body is not a readable xlsx workbook.",
        message_zh: "无法读取该 xlsx 工作簿",
    },
    ErrorCode {
        code: "xlsx_too_large",
        statuses: &[400],
        about: "The workbook unpacks to more than the server reads.",
        message_zh: "工作簿解压后超过允许的大小",
    },
];

/// The entry of `code`, if it is one.
pub fn error_code(code: &str) -> Option<&'static ErrorCode> {
    ERROR_CODES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .map(|i| &ERROR_CODES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for pair in ERROR_CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} must come before {}, once",
                pair[0].code,
                pair[1].code
            );
        }
    }

    #[test]
    fn every_entry_is_complete() {
        for entry in ERROR_CODES {
            assert!(
                !entry.code.is_empty()
                    && entry
                        .code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{} is not a snake_case code",
                entry.code
            );
            assert!(!entry.statuses.is_empty(), "{} has no status", entry.code);
            assert!(
                entry.statuses.windows(2).all(|s| s[0] < s[1])
                    && entry.statuses.iter().all(|s| (200..600).contains(s)),
                "{} has unsorted or impossible statuses",
                entry.code
            );
            assert!(
                !entry.about.trim().is_empty(),
                "{} has no about",
                entry.code
            );
            assert!(
                !entry.message_zh.trim().is_empty()
                    && !entry.message_zh.contains('{')
                    && !entry.message_zh.contains('}'),
                "{} has no message_zh, or one with a placeholder",
                entry.code
            );
        }
    }

    #[test]
    fn codes_are_found() {
        assert_eq!(
            error_code("min_activist_period").map(|e| e.message_zh),
            Some("入党积极分子培养教育时间不满一年")
        );
        assert_eq!(
            error_code(crate::domain::text::CONTROL_CHARACTER).map(|e| e.code),
            Some("control_character")
        );
        assert_eq!(
            error_code(crate::domain::pii::MaskedValue::CODE).map(|e| e.code),
            Some("masked_value")
        );
        assert!(error_code("no_such_code").is_none());
    }
}
