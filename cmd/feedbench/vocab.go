package main

// category is one synthetic category: the slug used in front matter and
// URLs, and the human name used for the tag and the navigation line.
type category struct {
	slug, name string
}

// categories are the 40 synthetic categories, most popular first: the
// corpus generator gives category k a weight of 1/(k+1) (Zipf, s = 1).
// Each category has one tag of its own, name+"新闻".
var categories = []category{
	{"caijing", "财经"}, {"gupiao", "股票"}, {"jijin", "基金"}, {"yinhang", "银行"},
	{"baoxian", "保险"}, {"qihuo", "期货"}, {"waihui", "外汇"}, {"zhaiquan", "债券"},
	{"hongguan", "宏观"}, {"chanye", "产业"}, {"keji", "科技"}, {"nongye", "农业"},
	{"nengyuan", "能源"}, {"fangchan", "房产"}, {"qiche", "汽车"}, {"xiaofei", "消费"},
	{"yiyao", "医药"}, {"jiaoyu", "教育"}, {"lvyou", "旅游"}, {"wuliu", "物流"},
	{"gangkou", "港口"}, {"hangyun", "航运"}, {"gangtie", "钢铁"}, {"youse", "有色"},
	{"huagong", "化工"}, {"jiancai", "建材"}, {"dianli", "电力"}, {"tongxin", "通信"},
	{"bandaoti", "半导体"}, {"rengongzhineng", "人工智能"}, {"huanbao", "环保"}, {"shuili", "水利"},
	{"minhang", "民航"}, {"tielu", "铁路"}, {"shipin", "食品"}, {"fangzhi", "纺织"},
	{"jiadian", "家电"}, {"youxi", "游戏"}, {"tiyu", "体育"}, {"wenhua", "文化"},
}

// sources are the names on the （文章来源：X） line.
var sources = []string{
	"示例财经网", "示例日报", "示例证券报", "示例经济观察", "示例新闻社",
	"示例商报", "示例金融时报", "示例晚报", "示例科技报", "示例农民日报",
}

// titleWords build titles: a subject, an action and an object, sometimes
// with a subtitle after a full-width colon.
var (
	titleSubjects = []string{
		"多地", "监管部门", "央行", "证监会", "银保监局", "某省", "头部券商", "公募基金",
		"商业银行", "保险机构", "龙头企业", "地方政府", "行业协会", "外资机构", "中小企业",
		"制造业", "新能源车企", "光伏企业", "港口集团", "航空公司", "农商银行", "科创板公司",
	}
	titleActions = []string{
		"加快推进", "持续加码", "稳步推进", "全面部署", "积极布局", "大幅提升", "逐步扩大",
		"深化改革", "创新推出", "集中发布", "密集落地", "有序开展", "加大力度", "显著改善",
	}
	titleObjects = []string{
		"普惠金融服务", "绿色信贷投放", "数字化转型", "跨境结算试点", "农业保险理赔",
		"科技创新贷款", "消费市场回暖", "稳外贸政策", "资本市场改革", "养老金融产品",
		"新型基础设施", "产业链协同", "碳达峰行动", "中长期资金入市", "风险防控体系",
		"供应链金融", "乡村振兴项目", "专精特新企业", "数据要素市场", "区域协调发展",
	}
	titleTails = []string{
		"市场预期持续改善", "一季度数据亮眼", "多项指标创新高", "业内人士解读",
		"专家称仍有空间", "同比增长超两成", "首批名单出炉", "效果逐步显现",
	}
)

// phrases are the building blocks of body sentences.
var phrases = []string{
	"记者从有关部门获悉", "今年以来", "据介绍", "业内人士分析认为", "数据显示",
	"相关负责人表示", "与此同时", "从长期来看", "在此背景下", "截至目前",
	"市场普遍认为", "下一步", "值得注意的是", "整体来看", "具体而言",
	"金融机构持续加大对实体经济的支持力度", "普惠小微贷款余额保持较快增长",
	"制造业中长期贷款增速明显高于各项贷款平均水平", "绿色金融产品和服务不断丰富",
	"居民消费需求逐步释放", "企业生产经营活动持续恢复", "外贸进出口保持总体稳定",
	"新兴产业投资增长较快", "房地产市场平稳运行", "资本市场基础制度不断完善",
	"上市公司质量稳步提升", "保险业风险保障功能进一步发挥", "农业生产形势总体向好",
	"粮食播种面积保持稳定", "港口货物吞吐量同比增长", "集装箱航线网络持续拓展",
	"新能源汽车产销两旺", "光伏组件出口规模扩大", "半导体产业链加快补链强链",
	"人工智能应用场景不断拓展", "数字经济核心产业增加值占比提高", "科技型企业融资渠道持续拓宽",
	"银行间市场流动性合理充裕", "债券发行规模有所回升", "公募基金管理规模再创新高",
	"外资持续增配人民币资产", "人民币汇率在合理均衡水平上保持基本稳定",
	"地方政府专项债券发行提速", "重大项目建设加快推进", "基础设施投资保持较快增长",
	"消费市场呈现稳中向好态势", "文旅消费持续升温", "服务业生产指数回升",
	"工业企业利润降幅收窄", "居民收入稳步增长", "就业形势总体稳定",
	"监管部门将继续强化风险监测", "坚决守住不发生系统性金融风险的底线",
	"推动金融资源更多流向科技创新领域", "进一步优化营商环境", "切实减轻企业负担",
	"加快构建新发展格局", "推动经济实现质的有效提升和量的合理增长", "更好满足人民群众多样化需求",
	"多家机构上调全年增长预期", "市场信心持续修复", "政策效应不断显现",
	"一季度", "上半年", "前三季度", "全年", "同比增长百分之十二点五", "环比上升零点八个百分点",
	"较上年末增加三千二百亿元", "累计发放贷款一千五百余亿元", "覆盖全省九成以上行政村",
	"带动就业超过两万人", "服务企业客户四万余户", "平均结案时间缩短至三天以内",
}

// stockPrefix is the hidden paragraph and stock image block some articles
// start with; the two %s are the market-qualified code (e.g. 1.600000)
// and the plain code (600000).
const stockPrefix = `<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start --><p style="text-align:center;"><a href="http://quote.example.com/unify/r/%[1]s" class="EmImageRemark" target="_blank"><img src="https://chart.example.com/GetPic.aspx?nid=%[1]s&imageType=k&at=1" border="0" alt="K图 %[2]s_0" width="578" height="276" /></a></p><!-- EM_StockImg_End -->`
