"""Who gets what: every route of the app, as every demo role, against one expected table."""

# Outside a user's scope the answer is 404 (as if it did not exist); inside scope but not theirs to
# change it is 403; anonymous visitors are sent to the sign-in page. A refused POST changes nothing.
# Allowed roles post an empty form, which must be refused for its content (302 back with an error,
# or 422) and change nothing either.

import uuid
from urllib.parse import urlsplit

import pytest

from .loop_helpers import call_off_draws

# The roles of the table's columns, in order.
WHO = ("anonymous", "admin", "supervisor", "grid1", "grid2", "manager1", "head1", "leader1", "manager2")

# Every route is visited with GET (a POST-only route answers 405) and, if it takes POST, with POST (verb).
# Cells: 200 401 403 404 405 422 as such; login = 302 to the sign-in page; home = 302 to /;
# 302 = back to the page with a Chinese error; "-" = allowed and would change data (the feature tests
# prove those). Cases name the URL's ids: 企业1/储配站 = enterprise 1 and the unit 储配站; 条目 = the
# first item of the checklist named before it. The grid guide kept at an enterprise (导则1) is the
# government's checklist: the enterprise may read it, not rewrite it.
TABLE = """
# endpoint                   verb  case                 anon  admin sup   grid1 grid2 mgr1  head1 lead1 mgr2
auth.login                   GET   -                    200   home  home  home  home  home  home  home  home
auth.login                   POST  -                    401   home  home  home  home  home  home  home  home
auth.logout                  GET   -                    405   405   405   405   405   405   405   405   405
auth.password                GET   -                    login 200   200   200   200   200   200   200   200
auth.password                POST  -                    login 422   422   422   422   422   422   422   422
home.index                   GET   -                    login 200   200   200   200   200   200   200   200
home.healthz                 GET   -                    200   200   200   200   200   200   200   200   200
health.index                 GET   -                    login 200   403   403   403   403   403   403   403
dashboard.index              GET   -                    login 200   200   403   403   403   403   403   403
dashboard.print_page         GET   -                    login 200   200   403   403   403   403   403   403
favicon                      GET   -                    200   200   200   200   200   200   200   200   200
offline.page                 GET   -                    200   200   200   200   200   200   200   200   200
offline.service_worker       GET   -                    200   200   200   200   200   200   200   200   200
offline.manifest             GET   -                    200   200   200   200   200   200   200   200   200
offline.outbox               GET   -                    login 200   200   200   200   200   200   200   200
offline.token                GET   -                    login 200   200   200   200   200   200   200   200
signs.scan                   GET   标识充装班           200   200   200   200   200   200   200   200   200
signs.typed                  GET   -                    200   200   200   200   200   200   200   200   200
scanner.page                 GET   -                    login 200   200   200   200   200   200   200   200
signs.index                  GET   企业1                login 200   200   200   404   200   200   200   404
signs.index                  GET   企业2                login 200   200   404   200   404   404   404   200
reverify.index               GET   -                    login 200   200   200   200   200   200   200   200
reverify.new_draw            GET   -                    405   405   405   405   405   405   405   405   405
reverify.new_draw            POST  -                    login 422   422   403   403   403   403   403   403
reverify.draw                GET   抽查1                login 200   200   200   200   404   404   404   404
reverify.visit               GET   回访1                login 200   200   200   404   404   404   404   404
reverify.visit               POST  回访1                login 422   422   422   404   404   404   404   404
reverify.visit               GET   回访2                login 200   200   404   200   404   404   404   404
reverify.visit               POST  回访2                login 422   422   404   422   404   404   404   404
reverify.lookback_sheet      GET   检查库监管回头看     login 200   200   200   200   200   200   404   200
signs.qr                     GET   标识号充装班/svg     login 200   200   200   404   200   200   200   404
signs.qr                     GET   标识号全厂/png       login 200   200   200   404   200   404   404   404
signs.qr                     GET   标识号车床班/svg     login 200   200   404   200   404   404   404   200
signs.check                  GET   标识号充装班         405   405   405   405   405   405   405   405   405
signs.check                  POST  标识号充装班         login 422   403   422   404   422   422   422   404
signs.check                  POST  标识号全厂           login 422   403   422   404   422   404   404   404
signs.check                  POST  标识号车床班         login 422   403   404   422   404   404   404   422
signs.presence               GET   标识号充装班         405   405   405   405   405   405   405   405   405
signs.presence               POST  标识号充装班         login -     -     -     404   -     -     -     404
signs.presence               POST  标识号车床班         login -     -     404   -     404   404   404   -
monthly_reports.index        GET   -                    login 200   200   403   403   403   403   403   403
monthly_reports.submit       GET   -                    login 200   200   403   403   403   403   403   403
monthly_reports.submit       POST  -                    login 422   422   403   403   403   403   403   403
monthly_reports.draft_xlsx   GET   -                    login 200   200   403   403   403   403   403   403
monthly_reports.records      GET   -                    login 422   422   403   403   403   403   403   403
monthly_reports.show         GET   月报1                login 200   200   403   403   403   403   403   403
monthly_reports.download     GET   月报1                login 200   200   403   403   403   403   403   403
self_assessment.index        GET   企业1                login 200   200   200   404   200   404   404   404
self_assessment.index        GET   企业2                login 200   200   404   200   404   404   404   200
self_assessment.start        GET   企业1                405   405   405   405   405   405   405   405   405
self_assessment.start        POST  企业1                login 422   403   403   404   422   404   404   404
self_assessment.show         GET   自评1                login 200   200   200   404   200   404   404   404
self_assessment.show         GET   自评2                login 200   200   404   200   404   404   404   200
self_assessment.element      GET   自评1/要素           login 200   200   200   404   200   404   404   404
self_assessment.element      POST  自评1/要素           login 422   403   403   404   422   404   404   404
self_assessment.item         GET   自评1/自评条目       login 200   200   200   404   200   404   404   404
self_assessment.evidence     GET   自评1/自评条目       405   405   405   405   405   405   405   405   405
self_assessment.evidence     POST  自评1/自评条目       login 422   403   403   404   422   404   404   404
self_assessment.hazard       GET   自评1/自评条目       405   405   405   405   405   405   405   405   405
self_assessment.hazard       POST  自评1/自评条目       login 422   403   403   404   422   404   404   404
self_assessment.submit       GET   自评1                405   405   405   405   405   405   405   405   405
self_assessment.submit       POST  自评1                login 422   403   403   404   422   404   404   404
self_assessment.report       GET   自评1                login 200   200   200   404   200   404   404   404
self_assessment.report       GET   自评2                login 200   200   404   200   404   404   404   200
self_assessment.photo        GET   自评2/自评照片/thumb login 200   200   404   200   404   404   404   200
gradings.index               GET   企业1                login 200   200   200   404   200   200   200   404
gradings.index               GET   企业2                login 200   200   404   200   404   404   404   200
gradings.grade               GET   企业1                405   405   405   405   405   405   405   405   405
gradings.grade               POST  企业1                login 422   422   403   404   403   403   403   404
gradings.grade               POST  企业2                login 422   422   404   403   404   404   404   403
gradings.star                GET   企业1                405   405   405   405   405   405   405   405   405
gradings.star                POST  企业1                login 422   422   403   404   403   403   403   404
gradings.star                POST  企业2                login 422   422   404   403   404   404   404   403
gradings.ledgers             GET   -                    login 200   200   403   403   403   403   403   403
gradings.ledger_export       GET   -                    login 200   200   403   403   403   403   403   403
draws.index                  GET   -                    login 200   200   403   403   403   403   403   403
draws.new                    GET   -                    login 200   200   403   403   403   403   403   403
draws.new                    POST  -                    login 422   422   403   403   403   403   403   403
draws.show                   GET   抽取1                login 200   200   403   403   403   403   403   403
draws.redraw                 GET   抽取1                login 200   200   403   403   403   403   403   403
draws.redraw                 POST  抽取1                login 422   422   403   403   403   403   403   403
draws.start                  GET   任务grid1            405   405   405   405   405   405   405   405   405
draws.start                  POST  任务grid1            login 404   404   home  404   404   404   404   404
draws.start                  POST  任务grid2            login 404   404   404   home  404   404   404   404
public_reports.new           GET   标识充装班           200   200   200   200   200   200   200   200   200
public_reports.new           POST  标识充装班           422   422   422   422   422   422   422   422   422
public_reports.receipt       GET   -                    200   200   200   200   200   200   200   200   200
public_reports.index         GET   企业1                login 200   403   200   404   200   403   403   404
public_reports.index         GET   企业2                login 200   403   404   200   404   404   404   200
public_reports.confirm       GET   举报1                405   405   405   405   405   405   405   405   405
public_reports.confirm       POST  举报1                login 422   403   422   404   422   403   403   404
public_reports.dismiss       GET   举报1                405   405   405   405   405   405   405   405   405
public_reports.dismiss       POST  举报1                login 422   403   422   404   422   403   403   404
public_reports.photo         GET   举报1/thumb          login 200   403   200   404   200   403   403   404
sign_print.sheet             GET   企业1                login 200   200   200   404   200   200   200   404
sign_print.sheet             GET   企业2                login 200   200   404   200   404   404   404   200
sign_print.label             GET   标识号充装班         login 200   200   200   404   200   200   200   404
sign_print.label             GET   标识号全厂           login 200   200   200   404   200   404   404   404
sign_print.label             GET   标识号车床班         login 200   200   404   200   404   404   404   200
sign_print.poster            GET   标识号充装班         login 200   200   200   404   200   200   200   404
sign_print.poster            GET   标识号全厂           login 200   200   200   404   200   404   404   404
sign_print.poster            GET   标识号车床班         login 200   200   404   200   404   404   404   200
sign_print.label_png         GET   标识号充装班         login 200   200   200   404   200   200   200   404
sign_print.label_png         GET   标识号全厂           login 200   200   200   404   200   404   404   404
sign_print.label_png         GET   标识号车床班         login 200   200   404   200   404   404   404   200
sign_forms.new               GET   企业1                login 200   403   403   404   200   200   403   404
sign_forms.new               GET   企业2                login 200   403   404   403   404   404   404   200
sign_forms.new               POST  企业1                login 422   403   403   404   422   422   403   404
sign_forms.new               POST  企业2                login 422   403   404   403   404   404   404   422
sign_forms.import_sheet      GET   企业1                login 200   403   403   404   200   200   403   404
sign_forms.import_sheet      GET   企业2                login 200   403   404   403   404   404   404   200
sign_forms.import_sheet      POST  企业1                login 422   403   403   404   422   422   403   404
sign_forms.import_sheet      POST  企业2                login 422   403   404   403   404   404   404   422
grid_day.add                 GET   企业1                405   405   405   405   405   405   405   405   405
grid_day.add                 POST  企业1                login 403   403   422   404   403   403   403   404
grid_day.add                 POST  企业2                login 403   403   404   422   404   404   404   403
grid_day.remove              GET   企业1                405   405   405   405   405   405   405   405   405
grid_day.remove              POST  企业1                login 403   403   422   404   403   403   403   404
grid_day.remove              POST  企业2                login 403   403   404   422   404   404   404   403
grid_day.move                GET   企业1                405   405   405   405   405   405   405   405   405
grid_day.move                POST  企业1                login 403   403   422   404   403   403   403   404
grid_day.move                POST  企业2                login 403   403   404   422   404   404   404   403
sign_forms.template          GET   企业1                login 200   403   403   404   200   200   403   404
sign_forms.template          GET   企业2                login 200   403   404   403   404   404   404   200
sign_forms.edit              GET   标识号充装班         login 200   403   403   404   200   200   403   404
sign_forms.edit              GET   标识号全厂           login 200   403   403   404   200   404   404   404
sign_forms.edit              GET   标识号车床班         login 200   403   404   403   404   404   404   200
sign_forms.edit              POST  标识号充装班         login 422   403   403   404   422   422   403   404
sign_forms.edit              POST  标识号全厂           login 422   403   403   404   422   404   404   404
sign_forms.edit              POST  标识号车床班         login 422   403   404   403   404   404   404   422
sign_forms.move              GET   标识号充装班         405   405   405   405   405   405   405   405   405
sign_forms.move              POST  标识号充装班         login 422   403   403   404   422   422   403   404
sign_forms.move              POST  标识号全厂           login 422   403   403   404   422   404   404   404
sign_forms.move              POST  标识号车床班         login 422   403   404   403   404   404   404   422
sign_forms.retire            GET   标识号充装班         405   405   405   405   405   405   405   405   405
sign_forms.retire            POST  标识号充装班         login 422   403   403   404   422   422   403   404
sign_forms.retire            POST  标识号全厂           login 422   403   403   404   422   404   404   404
sign_forms.retire            POST  标识号车床班         login 422   403   404   403   404   404   404   422
sign_forms.reissue           GET   标识号充装班         405   405   405   405   405   405   405   405   405
sign_forms.reissue           POST  标识号充装班         login 422   403   403   404   422   422   403   404
sign_forms.reissue           POST  标识号全厂           login 422   403   403   404   422   404   404   404
sign_forms.reissue           POST  标识号车床班         login 422   403   404   403   404   404   404   422
supervision.index            GET   -                    login 200   200   403   403   403   403   403   403
supervision.new              GET   重大隐患冲压班       login 200   200   404   403   404   404   404   403
supervision.new              GET   重大隐患巡线班       login 302   302   403   404   403   404   404   404
supervision.new              POST  重大隐患冲压班       login 422   422   404   403   404   404   404   403
supervision.new              POST  重大隐患巡线班       login 422   422   403   404   403   404   404   404
supervision.new              POST  隐患运行班           login 422   422   403   404   403   403   404   404
supervision.show             GET   督办巡线班           login 200   200   200   404   200   404   404   404
supervision.check            GET   督办巡线班/目标      405   405   405   405   405   405   405   405   405
supervision.check            POST  督办巡线班/目标      login 422   422   403   404   403   404   404   404
supervision.remove           GET   督办巡线班           405   405   405   405   405   405   405   405   405
supervision.remove           POST  督办巡线班           login 422   422   403   404   403   404   404   404
supervision.photo            GET   督办巡线班/督办照片/thumb login 200   200   200   404   200   404   404   404
papers.enterprise            GET   企业1                login 200   200   200   404   200   200   200   404
papers.enterprise            GET   企业2                login 200   200   404   200   404   404   404   200
papers.record                GET   企业1/承诺书         login 200   200   200   404   403   403   403   404
papers.record                GET   企业2/告知书         login 200   200   404   200   404   404   404   403
papers.record                POST  企业1/承诺书         login 422   422   422   404   403   403   403   404
papers.record                POST  企业1/告知书         login 422   422   422   404   403   403   403   404
papers.record                POST  企业2/告知书         login 422   422   404   422   404   404   404   403
papers.print_one             GET   企业1/告知书         login 200   200   200   404   200   200   200   404
papers.print_one             GET   企业2/承诺书         login 200   200   404   200   404   404   404   200
papers.index                 GET   -                    login 200   200   200   200   403   403   403   403
papers.index                 GET   乡镇安海镇           login 200   200   404   200   403   403   403   403
papers.print_batch           GET   -                    login 422   422   422   422   403   403   403   403
papers.print_batch           GET   乡镇安海镇/承诺书    login 200   200   404   200   403   403   403   403
papers.photo                 GET   签字页企业1/thumb    login 200   200   200   404   200   200   200   404
enforcement.enterprise       GET   企业1                login 200   200   200   404   200   200   200   404
enforcement.enterprise       GET   企业2                login 200   200   404   200   404   404   404   200
enforcement.enterprise       POST  企业1                login 422   422   403   404   403   403   403   404
enforcement.enterprise       POST  企业2                login 422   422   404   403   404   404   404   403
enforcement.index            GET   -                    login 200   200   403   403   403   403   403   403
risk_points.index            GET   企业1                login 200   200   200   404   200   200   200   404
risk_points.index            GET   企业2                login 200   200   404   200   404   404   404   200
risk_points.new              GET   企业1                login 200   403   403   404   200   200   403   404
risk_points.new              GET   企业2                login 200   403   404   403   404   404   404   200
risk_points.new              POST  企业1                login 422   403   403   404   422   422   403   404
risk_points.new              POST  企业2                login 422   403   404   403   404   404   404   422
risk_points.import_sheet     GET   企业1                login 200   403   403   404   200   200   403   404
risk_points.import_sheet     GET   企业2                login 200   403   404   403   404   404   404   200
risk_points.import_sheet     POST  企业1                login 422   403   403   404   422   422   403   404
risk_points.import_sheet     POST  企业2                login 422   403   404   403   404   404   404   422
risk_points.template         GET   企业1                login 200   403   403   404   200   200   403   404
risk_points.template         GET   企业2                login 200   403   404   403   404   404   404   200
risk_points.show             GET   风险点充装班         login 200   200   200   404   200   200   200   404
risk_points.show             GET   风险点储配站         login 200   200   200   404   200   200   404   404
risk_points.show             GET   风险点冲压班         login 200   200   404   200   404   404   404   200
risk_points.reassess         GET   风险点充装班         login 200   403   403   404   200   200   403   404
risk_points.reassess         GET   风险点储配站         login 200   403   403   404   200   200   404   404
risk_points.reassess         GET   风险点冲压班         login 200   403   404   403   404   404   404   200
risk_points.reassess         POST  风险点充装班         login 422   403   403   404   422   422   403   404
risk_points.reassess         POST  风险点储配站         login 422   403   403   404   422   422   404   404
risk_points.reassess         POST  风险点冲压班         login 422   403   404   403   404   404   404   422
risk_points.retire           GET   风险点充装班         405   405   405   405   405   405   405   405   405
risk_points.retire           POST  风险点充装班         login 422   403   403   404   422   422   403   404
risk_points.retire           POST  风险点储配站         login 422   403   403   404   422   422   404   404
risk_points.retire           POST  风险点冲压班         login 422   403   404   403   404   404   404   422
risk_maps.index              GET   企业1                login 200   200   200   404   200   200   200   404
risk_maps.index              GET   企业2                login 200   200   404   200   404   404   404   200
risk_maps.new                GET   企业1                login 200   403   403   404   200   200   403   404
risk_maps.new                GET   企业2                login 200   403   404   403   404   404   404   200
risk_maps.new                POST  企业1                login 422   403   403   404   422   422   403   404
risk_maps.new                POST  企业2                login 422   403   404   403   404   404   404   422
risk_maps.show               GET   分布图全厂           login 200   200   200   404   200   200   200   404
risk_maps.show               GET   分布图储配站         login 200   200   200   404   200   200   200   404
risk_maps.show               GET   分布图机加工车间     login 200   200   404   200   404   404   404   200
risk_maps.plan               GET   分布图全厂           login 200   200   200   404   200   200   200   404
risk_maps.plan               GET   分布图机加工车间     login 200   200   404   200   404   404   404   200
risk_maps.print_map          GET   分布图全厂           login 200   200   200   404   200   200   200   404
risk_maps.print_map          GET   分布图机加工车间     login 200   200   404   200   404   404   404   200
risk_maps.mark               GET   分布图全厂           405   405   405   405   405   405   405   405   405
risk_maps.mark               POST  分布图全厂           login 422   403   403   404   422   403   403   404
risk_maps.mark               POST  分布图储配站         login 422   403   403   404   422   422   403   404
risk_maps.mark               POST  分布图机加工车间     login 422   403   404   403   404   404   404   422
risk_maps.replace_plan       GET   分布图全厂           405   405   405   405   405   405   405   405   405
risk_maps.replace_plan       POST  分布图全厂           login 422   403   403   404   422   403   403   404
risk_maps.replace_plan       POST  分布图储配站         login 422   403   403   404   422   422   403   404
risk_maps.replace_plan       POST  分布图机加工车间     login 422   403   404   403   404   404   404   422
risk_maps.retire             GET   分布图全厂           405   405   405   405   405   405   405   405   405
risk_maps.retire             POST  分布图全厂           login 422   403   403   404   422   403   403   404
risk_maps.retire             POST  分布图储配站         login 422   403   403   404   422   422   403   404
risk_maps.retire             POST  分布图机加工车间     login 422   403   404   403   404   404   404   422
risk_maps.public_map         GET   公告栏全厂           200   200   200   200   200   200   200   200   200
risk_maps.public_map         GET   标识充装班           404   404   404   404   404   404   404   404   404
risk_maps.public_plan        GET   公告栏全厂           200   200   200   200   200   200   200   200   200
risk_maps.public_plan        GET   标识充装班           404   404   404   404   404   404   404   404   404
enterprise_colour.page       GET   企业1                login 200   200   200   404   200   200   200   404
enterprise_colour.page       GET   企业2                login 200   200   404   200   404   404   404   200
enterprise_colour.page       POST  企业1                login 422   422   403   404   403   403   403   404
enterprise_colour.page       POST  企业2                login 422   422   404   403   404   404   404   403
five_s.enterprise            GET   企业1                login 200   200   200   404   200   404   404   404
five_s.enterprise            GET   企业2                login 200   200   404   200   404   404   404   200
five_s.unit                  GET   抢修班               login 200   200   200   404   200   404   404   404
five_s.unit                  GET   充装班               login 200   200   200   404   200   200   200   404
five_s.unit                  GET   储配站               login 200   200   200   404   200   200   404   404
five_s.unit                  GET   车床班               login 200   200   404   200   404   404   404   200
five_s.unit                  GET   机加工车间           login 200   200   404   200   404   404   404   200
five_s.print_trend           GET   抢修班               login 200   200   200   404   200   404   404   404
five_s.print_trend           GET   充装班               login 200   200   200   404   200   200   200   404
five_s.print_trend           GET   储配站               login 404   404   404   404   404   404   404   404
five_s.print_trend           GET   车床班               login 200   200   404   200   404   404   404   200
five_s.show                  GET   考评抢修班           login 200   200   200   404   200   404   404   404
five_s.show                  GET   考评车床班           login 200   200   404   200   404   404   404   200
five_s.photo                 GET   考评车床班/考评照片车床班/thumb login 200   200   404   200   404   404   404   200
five_s.setup                 GET   充装班               405   405   405   405   405   405   405   405   405
five_s.setup                 POST  充装班               login -     403   403   404   -     -     403   404
five_s.setup                 POST  抢修班               login 302   403   403   404   302   404   404   404
five_s.setup                 POST  储配站               login 302   403   403   404   302   403   404   404
five_s.setup                 POST  车床班               login 302   403   404   403   404   404   404   302
five_s.submit                GET   5S抢修班             405   405   405   405   405   405   405   405   405
five_s.submit                POST  5S抢修班             login 403   403   403   404   422   404   404   404
five_s.submit                POST  5S车床班             login 403   403   404   403   404   404   404   422
inspections.fill             GET   5S车床班             login 403   403   404   403   404   404   404   200
inspections.submit           POST  5S车床班             login 403   403   404   403   404   404   404   404
prepare.today                GET   -                    405   405   405   405   405   405   405   405   405
prepare.today                POST  -                    login 200   200   200   200   200   200   200   200
enterprises.index            GET   -                    login 200   200   200   200   200   200   200   200
enterprises.new              GET   -                    login 200   200   403   403   403   403   403   403
enterprises.new              POST  -                    login 422   422   403   403   403   403   403   403
enterprises.show             GET   企业1                login 200   200   200   404   200   200   200   404
enterprises.show             GET   企业2                login 200   200   404   200   404   404   404   200
enterprises.edit             GET   企业1                login 200   200   403   404   200   403   403   404
enterprises.edit             GET   企业2                login 200   200   404   403   404   404   404   200
enterprises.edit             POST  企业1                login 422   422   403   404   422   403   403   404
enterprises.edit             POST  企业2                login 422   422   404   403   404   404   404   422
enterprises.import_sheet     GET   -                    login 200   200   403   403   403   403   403   403
enterprises.import_sheet     POST  -                    login 422   422   403   403   403   403   403   403
enterprises.import_template  GET   -                    login 200   200   403   403   403   403   403   403
units.edit                   GET   企业1                login 200   200   403   404   200   403   403   404
units.edit                   GET   企业2                login 200   200   404   403   404   404   404   200
units.add                    GET   企业1                405   405   405   405   405   405   405   405   405
units.add                    POST  企业1                login 302   302   403   404   302   403   403   404
units.add                    POST  企业2                login 302   302   404   403   404   404   404   302
units.rename                 GET   企业1/充装班         405   405   405   405   405   405   405   405   405
units.rename                 POST  企业1/储配站         login 302   302   403   404   302   403   403   404
units.rename                 POST  企业1/充装班         login 302   302   403   404   302   403   403   404
units.rename                 POST  企业1/车床班         login 404   404   403   404   404   403   403   404
units.rename                 POST  企业2/车床班         login 302   302   404   403   404   404   404   302
units.edit_unit              GET   企业1/充装班         login 200   200   403   404   200   403   403   404
units.edit_unit              GET   企业1/储配站         login 200   200   403   404   200   403   403   404
units.edit_unit              GET   企业2/车床班         login 200   200   404   403   404   404   404   200
units.edit_unit              GET   企业1/车床班         login 404   404   403   404   404   403   403   404
units.move                   GET   企业1/充装班         405   405   405   405   405   405   405   405   405
units.move                   POST  企业1/充装班         login 302   302   403   404   302   403   403   404
units.move                   POST  企业2/车床班         login 302   302   404   403   404   404   404   302
units.archive                GET   企业1/充装班         405   405   405   405   405   405   405   405   405
units.archive                POST  企业1/储配站         login 302   302   403   404   302   403   403   404
units.archive                POST  企业1/充装班         login 302   302   403   404   302   403   403   404
units.archive                POST  企业2/机加工车间     login 302   302   404   403   404   404   404   302
checklists.index             GET   企业1                login 200   200   200   404   200   200   200   404
checklists.index             GET   企业2                login 200   200   404   200   404   404   404   200
checklists.adopt             GET   企业1                405   405   405   405   405   405   405   405   405
checklists.adopt             POST  企业1                login 302   403   403   404   302   403   403   404
checklists.adopt             POST  企业2                login 302   403   404   403   404   404   404   302
checklists.show              GET   清单1                login 200   200   200   404   200   200   200   404
checklists.show              GET   储配站表册           login 200   200   200   404   200   200   200   404
checklists.show              GET   充装班卡片           login 200   200   200   404   200   200   200   404
checklists.show              GET   运行班卡片           login 200   200   200   404   200   200   404   404
checklists.show              GET   管网运行部表册       login 200   200   200   404   200   404   404   404
checklists.show              GET   巡线班卡片           login 200   200   200   404   200   404   404   404
checklists.show              GET   回头看1              login 200   200   200   404   200   404   404   404
checklists.show              GET   导则1                login 200   200   200   404   200   404   404   404
checklists.show              GET   清单2                login 200   200   404   200   404   404   404   200
checklists.show              GET   机加工车间表册       login 200   200   404   200   404   404   404   200
checklists.show              GET   车床班卡片           login 200   200   404   200   404   404   404   200
checklists.show              GET   回头看2              login 200   200   404   200   404   404   404   200
checklists.show              GET   导则2                login 200   200   404   200   404   404   404   200
checklists.assignment        GET   充装班卡片           405   405   405   405   405   405   405   405   405
checklists.add_item          GET   充装班卡片           405   405   405   405   405   405   405   405   405
checklists.add_measures      GET   充装班卡片           405   405   405   405   405   405   405   405   405
checklists.reword_item       GET   充装班卡片/条目      405   405   405   405   405   405   405   405   405
checklists.remove_item       GET   充装班卡片/条目      405   405   405   405   405   405   405   405   405
checklists.assignment        POST  清单1                login 302   403   403   404   302   403   403   404
checklists.add_item          POST  清单1                login 302   403   403   404   302   403   403   404
checklists.add_measures      POST  清单1                login 302   403   403   404   302   403   403   404
checklists.reword_item       POST  清单1/条目           login 302   403   403   404   302   403   403   404
checklists.remove_item       POST  清单1/条目           login -     403   403   404   -     403   403   404
checklists.assignment        POST  储配站表册           login 302   403   403   404   302   403   403   404
checklists.add_item          POST  储配站表册           login 302   403   403   404   302   403   403   404
checklists.add_measures      POST  储配站表册           login 302   403   403   404   302   403   403   404
checklists.reword_item       POST  储配站表册/条目      login 302   403   403   404   302   403   403   404
checklists.remove_item       POST  储配站表册/条目      login -     403   403   404   -     403   403   404
checklists.assignment        POST  充装班卡片           login 302   403   403   404   302   302   403   404
checklists.add_item          POST  充装班卡片           login 302   403   403   404   302   302   403   404
checklists.add_measures      POST  充装班卡片           login 302   403   403   404   302   302   403   404
checklists.reword_item       POST  充装班卡片/条目      login 302   403   403   404   302   302   403   404
checklists.remove_item       POST  充装班卡片/条目      login -     403   403   404   -     -     403   404
checklists.assignment        POST  巡线班卡片           login 302   403   403   404   302   404   404   404
checklists.add_item          POST  巡线班卡片           login 302   403   403   404   302   404   404   404
checklists.add_measures      POST  巡线班卡片           login 302   403   403   404   302   404   404   404
checklists.reword_item       POST  巡线班卡片/条目      login 302   403   403   404   302   404   404   404
checklists.remove_item       POST  巡线班卡片/条目      login -     403   403   404   -     404   404   404
checklists.assignment        POST  导则1                login 302   403   403   404   403   404   404   404
checklists.add_item          POST  导则1                login 302   403   403   404   403   404   404   404
checklists.add_measures      POST  导则1                login 302   403   403   404   403   404   404   404
checklists.reword_item       POST  导则1/条目           login 302   403   403   404   403   404   404   404
checklists.remove_item       POST  导则1/条目           login -     403   403   404   403   404   404   404
checklists.assignment        POST  车床班卡片           login 302   403   404   403   404   404   404   302
checklists.add_item          POST  车床班卡片           login 302   403   404   403   404   404   404   302
checklists.add_measures      POST  车床班卡片           login 302   403   404   403   404   404   404   302
checklists.reword_item       POST  车床班卡片/条目      login 302   403   404   403   404   404   404   302
checklists.remove_item       POST  车床班卡片/条目      login -     403   404   403   404   404   404   -
checklists.derive            GET   企业1/储配站         login 200   403   403   404   200   403   404   404
checklists.derive            GET   企业1/充装班         login 200   403   403   404   200   200   403   404
checklists.derive            GET   企业1/运行班         login 200   403   403   404   200   200   404   404
checklists.derive            GET   企业1/管网运行部     login 200   403   403   404   200   404   404   404
checklists.derive            GET   企业1/巡线班         login 200   403   403   404   200   404   404   404
checklists.derive            GET   企业2/车床班         login 200   403   404   403   404   404   404   200
checklists.derive            GET   企业1/车床班         login 404   404   404   404   404   404   404   404
checklists.derive            POST  企业1/储配站         login 422   403   403   404   422   403   404   404
checklists.derive            POST  企业1/充装班         login 422   403   403   404   422   422   403   404
checklists.derive            POST  企业1/运行班         login 422   403   403   404   422   422   404   404
checklists.derive            POST  企业1/巡线班         login 422   403   403   404   422   404   404   404
checklists.derive            POST  企业2/车床班         login 422   403   404   403   404   404   404   422
checklists.derive            POST  企业1/车床班         login 404   404   404   404   404   404   404   404
library.index                GET   -                    login 200   200   200   200   200   200   200   200
library.doc                  GET   检查库文档           login 200   200   200   200   200   200   404   200
library.doc                  GET   检查库燃气卡片       login 200   200   200   200   200   200   200   200
library.doc                  GET   检查库工贸卡片       login 200   200   200   200   200   200   404   200
library.doc                  GET   检查库LEC            login 200   200   200   200   200   200   404   200
library.doc                  GET   检查库分色频次       login 200   200   200   200   200   200   404   200
audit.index                  GET   -                    login 200   403   403   403   200   403   403   200
people.index                 GET   -                    login 200   403   403   403   200   403   403   200
people.index                 POST  -                    login 422   403   403   403   422   403   403   422
people.set_active            GET   账号leader1          405   405   405   405   405   405   405   405   405
people.set_active            POST  账号leader1          login -     403   403   403   -     403   403   404
people.set_active            POST  账号leader2          login -     403   403   403   404   403   403   -
people.set_password          GET   账号leader1          405   405   405   405   405   405   405   405   405
people.set_password          POST  账号leader1          login 302   403   403   403   302   403   403   404
people.set_password          POST  账号leader2          login 302   403   403   403   404   403   403   302
people.grid_index            GET   -                    login 200   403   403   403   403   403   403   403
people.grid_index            POST  -                    login 422   403   403   403   403   403   403   403
inspections.fill             GET   充装班卡片           login 403   403   403   404   200   200   200   404
inspections.fill             GET   巡线班卡片           login 403   403   403   404   200   404   404   404
inspections.fill             GET   导则1                login 403   403   200   404   403   404   404   404
inspections.fill             GET   车床班卡片           login 403   403   404   403   404   404   404   200
inspections.submit           GET   充装班卡片           405   405   405   405   405   405   405   405   405
inspections.submit           POST  充装班卡片           login 403   403   403   404   422   422   422   404
inspections.submit           POST  导则1                login 403   403   422   404   403   404   404   404
inspections.submit           POST  车床班卡片           login 403   403   404   403   404   404   404   422
inspections.show             GET   检查充装班           login 200   200   200   404   200   200   200   404
inspections.show             GET   检查巡线班           login 200   200   200   404   200   404   404   404
inspections.show             GET   检查储配站           login 200   200   200   404   200   200   404   404
inspections.start_grid       GET   企业1                405   405   405   405   405   405   405   405   405
inspections.start_grid       POST  企业1                login 403   403   302   404   403   403   403   404
inspections.start_grid       POST  企业2                login 403   403   404   302   404   404   404   403
hazards.report               GET   企业1                login 200   403   200   404   200   200   200   404
hazards.report               POST  企业1                login 422   403   422   404   422   422   422   404
hazards.report               POST  企业2                login 422   403   404   422   404   404   404   422
hazards.hazard_list          GET   企业1                login 200   200   200   404   200   200   200   404
hazards.hazard_list          GET   企业2                login 200   200   404   200   404   404   404   200
hazards.rectification_list   GET   企业1                login 200   200   200   404   200   200   200   404
hazards.rectification_list   GET   企业2                login 200   200   404   200   404   404   404   200
hazards.show                 GET   隐患储配站           login 200   200   200   404   200   200   404   404
hazards.show                 GET   隐患运行班           login 200   200   200   404   200   200   404   404
hazards.show                 GET   隐患全厂             login 200   200   200   404   200   404   404   404
hazards.show                 GET   隐患车床班           login 200   200   404   200   404   404   404   200
hazards.assign               GET   隐患运行班           405   405   405   405   405   405   405   405   405
hazards.assign               POST  隐患运行班           login 422   403   403   404   422   422   404   404
hazards.assign               POST  隐患全厂             login 422   403   403   404   422   404   404   404
hazards.assign               POST  隐患车床班           login 422   403   404   403   404   404   404   422
hazards.rectify              GET   隐患运行班           405   405   405   405   405   405   405   405   405
hazards.rectify              POST  隐患运行班           login 422   403   403   404   422   422   404   404
hazards.rectify              POST  隐患车床班           login 422   403   404   403   404   404   404   422
hazards.verify               GET   隐患储配站           405   405   405   405   405   405   405   405   405
hazards.verify               POST  隐患储配站           login 422   403   403   404   422   403   404   404
hazards.photo                GET   照片储配站/thumb     login 200   200   200   404   200   200   404   404
hazards.photo                GET   照片储配站/display   login 200   200   200   404   200   200   404   404
hazards.photo                GET   照片车床班/thumb     login 200   200   404   200   404   404   404   200
auth.logout                  POST  -                    login -     -     -     -     -     -     -     -
"""
# What the POST carries where an empty form would be refused before its content is looked at.
FORMS = {"people.index": {"role": "team_leader"}}

UNITS = ("储配站", "充装班", "运行班", "管网运行部", "巡线班", "抢修班", "机加工车间", "车床班")
CHECKLISTS = {  # name in the table → (enterprise, tier, unit name)
    "清单1": (1, "enterprise", None), "回头看1": (1, "lookback", None), "导则1": (1, "grid", None),
    "储配站表册": (1, "workshop", "储配站"), "管网运行部表册": (1, "workshop", "管网运行部"),
    "充装班卡片": (1, "post", "充装班"), "运行班卡片": (1, "post", "运行班"), "巡线班卡片": (1, "post", "巡线班"),
    "清单2": (2, "enterprise", None), "回头看2": (2, "lookback", None), "导则2": (2, "grid", None),
    "机加工车间表册": (2, "workshop", "机加工车间"), "车床班卡片": (2, "post", "车床班"),
}
ENTERPRISES = {"企业1": "泉州市安泰燃气有限公司", "企业2": "晋江市恒力机械制造有限公司"}
ACCOUNTS = ("leader1", "leader2")
HAZARDS = {"隐患储配站": "储配站", "隐患运行班": "运行班", "隐患全厂": None, "隐患车床班": "车床班"}  # open ones
INSPECTED = ("充装班", "巡线班", "储配站")


def rows() -> list[tuple[str, str, str, list[str]]]:
    """The table as (endpoint, method, case, cells)."""
    found = []
    for line in TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        endpoint, method, case, *cells = line.split()
        found.append((endpoint, method, case, cells))
    return found


def lookup(conn) -> dict:
    """Every name used in the table's cases → (URL argument, id in this database)."""
    def first(sql, params=()):
        return conn.execute(sql, params).fetchone()[0]

    ids = {key: ("enterprise_id", first("SELECT id FROM enterprises WHERE name = ?", (name,)))
           for key, name in ENTERPRISES.items()}
    for name in UNITS:
        ids[name] = ("unit_id", first("SELECT id FROM units WHERE name = ?", (name,)))
    for key, (number, tier, unit) in CHECKLISTS.items():
        ids[key] = ("checklist_id", first(
            "SELECT id FROM checklists WHERE enterprise_id = ? AND tier = ? AND unit_id IS ? AND kind = 'check'"
            " AND archived_at IS NULL",
            (ids[f"企业{number}"][1], tier, ids[unit][1] if unit else None)))
    for username in ACCOUNTS:
        ids[f"账号{username}"] = ("account_id", first("SELECT id FROM users WHERE username = ?", (username,)))
    for key, unit in HAZARDS.items():
        ids[key] = ("hazard_id", first(
            "SELECT id FROM hazards WHERE unit_id IS ? AND status != 'closed' ORDER BY id",
            (ids[unit][1] if unit else None,)))
        ids["照片" + key[2:]] = ("photo_hash", first(
            "SELECT p.hash FROM photos p JOIN hazard_photos hp ON hp.photo_id = p.id WHERE hp.hazard_id = ?",
            (ids[key][1],)))
    for unit in INSPECTED:
        ids[f"检查{unit}"] = ("inspection_id", first(
            "SELECT i.id FROM inspections i JOIN checklists c ON c.id = i.checklist_id WHERE c.unit_id = ?"
            " ORDER BY i.id DESC", (ids[unit][1],)))
    ids["thumb"], ids["display"] = ("size", "thumb"), ("size", "display")
    for key, unit in (("标识号充装班", "充装班"), ("标识号全厂", None), ("标识号车床班", "车床班")):
        ids[key] = ("sign_id", first("SELECT id FROM signs WHERE unit_id IS ? ORDER BY id",
                                     (ids[unit][1] if unit else None,)))
    ids["svg"], ids["png"] = ("kind", "svg"), ("kind", "png")
    # 回头看 (the demo's draw of the hazards closed last month): the draw, and its hazard at each enterprise.
    ids["抽查1"] = ("draw_id", first("SELECT id FROM reverify_draws ORDER BY id"))
    for number in (1, 2):
        ids[f"回访{number}"] = ("visit_id", first(
            "SELECT r.id FROM reverifications r JOIN hazards h ON h.id = r.hazard_id WHERE h.enterprise_id = ?"
            " ORDER BY r.id", (ids[f"企业{number}"][1],)))
    ids["检查库监管回头看"] = ("doc_id", first(
        "SELECT id FROM library_docs WHERE code = 'lookback-government' ORDER BY version DESC"))
    ids["告知书"], ids["承诺书"] = ("kind", "notice"), ("kind", "commitment")  # the papers of seed 001 附件1, 附件2
    ids["乡镇安海镇"] = ("township", "安海镇")  # a query argument: enterprise 2's town
    ids["签字页企业1"] = ("record_id", first(
        "SELECT r.id FROM enterprise_papers r JOIN enterprises e ON e.id = r.enterprise_id"
        " WHERE e.name = ? AND r.photo_id IS NOT NULL", (ENTERPRISES["企业1"],)))
    ids["标识充装班"] = ("token", first(
        "SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id"
        " WHERE s.unit_id = ? AND t.replaced_at IS NULL ORDER BY s.id", (ids["充装班"][1],)))
    ids["举报1"] = ("report_id", first("SELECT id FROM public_reports ORDER BY id"))
    ids["月报1"] = ("report_id", first("SELECT id FROM monthly_reports ORDER BY id"))  # the demo's submitted 附件3
    ids["抽取1"] = ("draw_id", first("SELECT id FROM draws ORDER BY id"))  # the demo's 双随机 draw and its tasks
    for username in ("grid1", "grid2"):
        ids[f"任务{username}"] = ("task_id", first(
            "SELECT t.id FROM inspection_tasks t JOIN users u ON u.id = t.inspector_id WHERE u.username = ?"
            " ORDER BY t.id", (username,)))
    for unit in ("充装班", "储配站", "冲压班"):  # the demo's risk points: red at a post, orange at a workshop, yellow
        ids[f"风险点{unit}"] = ("point_id", first(
            "SELECT p.id FROM risk_points p JOIN units u ON u.id = p.unit_id WHERE u.name = ? ORDER BY p.id", (unit,)))
    for key, code in (("检查库LEC", "lec"), ("检查库分色频次", "visit-frequency")):
        ids[key] = ("doc_id", first("SELECT id FROM library_docs WHERE code = ? ORDER BY version DESC", (code,)))
    for unit in ("抢修班", "车床班"):  # the demo's 5S 考评 of a post, a score of it with a deduction, and its photo
        ids[f"5S{unit}"] = ("checklist_id", first(
            "SELECT id FROM checklists WHERE unit_id = ? AND kind = 'five_s'", (ids[unit][1],)))
        ids[f"考评{unit}"] = ("score_id", first(
            "SELECT s.id FROM five_s_scores s JOIN five_s_deductions d ON d.score_id = s.id WHERE s.unit_id = ?"
            " ORDER BY s.id", (ids[unit][1],)))
        ids[f"考评照片{unit}"] = ("photo_hash", first(
            "SELECT p.hash FROM five_s_deductions d JOIN five_s_photos f ON f.deduction_id = d.id"
            " JOIN photos p ON p.id = f.photo_id WHERE d.score_id = ?", (ids[f"考评{unit}"][1],)))
    ids["公告栏全厂"] = ("token", first(
        "SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id"
        " WHERE s.unit_id IS NULL AND s.kind = 'notice_board' AND t.replaced_at IS NULL ORDER BY s.id"))
    for key, unit in (("分布图全厂", None), ("分布图储配站", "储配站"), ("分布图机加工车间", "机加工车间")):
        ids[key] = ("map_id", first("SELECT id FROM risk_maps WHERE unit_id IS ? ORDER BY id",
                                    (ids[unit][1] if unit else None,)))
    # The demo's 自评: the gas company's under way, the machine works' submitted.
    for key, number in (("自评1", 1), ("自评2", 2)):
        ids[key] = ("assessment_id", first("SELECT id FROM self_assessments WHERE enterprise_id = ? ORDER BY id DESC",
                                           (ids[f"企业{number}"][1],)))
    ids["要素"] = ("element", "5.1")
    ids["自评条目"] = ("item_id", first("SELECT i.id FROM library_items i JOIN library_docs d ON d.id = i.doc_id"
                                    " WHERE d.kind = 'self_assessment' ORDER BY d.version DESC, i.position"))
    ids["自评照片"] = ("photo_hash", first(
        "SELECT p.hash FROM self_assessment_evidence v JOIN photos p ON p.id = v.photo_id WHERE v.assessment_id = ?",
        (ids["自评2"][1],)))
    ids["检查库文档"] = ("doc_id", first(
        "SELECT id FROM library_docs WHERE industry = '城镇燃气' AND tier = 'enterprise' ORDER BY version DESC"))
    for key, industry in (("检查库燃气卡片", "城镇燃气"), ("检查库工贸卡片", "工贸")):
        ids[key] = ("doc_id", first(
            "SELECT id FROM library_docs WHERE industry = ? AND tier = 'post' ORDER BY version DESC", (industry,)))
    # 挂牌督办: the demo lists the gas company's major hazard (巡线班) with two of its 五落实 done; the machine
    # works' (冲压班) waits to be listed.
    for unit in ("巡线班", "冲压班"):
        ids[f"重大隐患{unit}"] = ("hazard_id", first(
            "SELECT h.id FROM hazards h JOIN units u ON u.id = h.unit_id WHERE u.name = ? AND h.level = 'major'",
            (unit,)))
    ids["督办巡线班"] = ("supervision_id", first("SELECT id FROM supervisions WHERE hazard_id = ?",
                                               (ids["重大隐患巡线班"][1],)))
    ids["目标"] = ("item", "goal")
    ids["督办照片"] = ("photo_hash", first(
        "SELECT p.hash FROM supervision_checks c JOIN photos p ON p.id = c.photo_id WHERE c.supervision_id = ?",
        (ids["督办巡线班"][1],)))
    return ids


def url_values(conn, ids, case) -> dict:
    values = {}
    for word in case.split("/"):
        if word == "-":
            continue
        if word == "条目":
            values["item_id"] = conn.execute(
                "SELECT id FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL ORDER BY position",
                (values["checklist_id"],)).fetchone()[0]
        else:
            argument, value = ids[word]
            values[argument] = value
    return values


def snapshot(conn) -> dict:
    """Row counts and highest ids of every table, and the full content of the tables people edit."""
    # The idempotency table is bookkeeping of requests, not data people entered.
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name != 'idempotency' ORDER BY name")]
    state = {t: tuple(conn.execute(f"SELECT COUNT(*), MAX(rowid) FROM {t}").fetchone()) for t in tables}
    for table in ("enterprises", "units", "users", "grids", "checklists", "checklist_items"):
        state[f"{table} rows"] = [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    return state


def outcome(response) -> str:
    """The table's word for a response."""
    if response.status_code in (301, 302, 303):
        path = urlsplit(response.headers["Location"]).path
        return "login" if path == "/login" else "home" if path == "/" else "302"
    return str(response.status_code)


def uncovered(app) -> list[str]:
    """Routes the app serves without a row in the table, rows for routes that are gone, malformed rows."""
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in (rule.methods | {"GET"}) - {"HEAD", "OPTIONS"}}
    listed = {(endpoint, method) for endpoint, method, _, _ in rows()}
    return ([f"no row for {method} {endpoint}" for endpoint, method in sorted(served - listed)]
            + [f"row for {method} {endpoint}, not served by the app" for endpoint, method in sorted(listed - served)]
            + [f"row {endpoint} {case} has {len(cells)} cells, not {len(WHO)}" for endpoint, _, case, cells in rows()
               if len(cells) != len(WHO)])


@pytest.mark.parametrize("who", WHO)
def test_each_role_gets_exactly_its_share_of_every_route(app, conn, client, signed_in, who):
    """Each role's answer on every url_map route matches the table, and no POST changes the database."""
    # The table is each role's own territory. A 双随机 draw widens it for the drawn (grid1 is sent to 企业2 by the
    # demo's draw; test_draws proves that share), so here the demo's tasks are called off.
    call_off_draws(conn)
    ids = lookup(conn)
    http = client if who == "anonymous" else signed_in(who)
    column = WHO.index(who)
    adapter = app.url_map.bind("localhost")
    wrong = uncovered(app)
    for endpoint, method, case, cells in rows():
        want = cells[column] if len(cells) == len(WHO) else "?"
        if want == "-":
            continue
        url = adapter.build(endpoint, url_values(conn, ids, case))
        before = snapshot(conn) if method == "POST" else None
        # Every POST carries a fresh idempotency key, so the view itself decides the answer.
        form = {**FORMS.get(endpoint, {}), "idempotency_key": uuid.uuid4().hex}
        response = http.get(url) if method == "GET" else http.post(url, form)
        got = outcome(response)
        if got != want:
            wrong.append(f"{method} {url} ({endpoint} {case}): expected {want}, got {got}")
        if before is not None and snapshot(conn) != before:
            wrong.append(f"{method} {url} ({endpoint} {case}) changed the database")
    assert wrong == [], f"{who}:\n" + "\n".join(wrong)


def test_a_route_without_a_row_is_reported(app):
    """The coverage check names a route added to the app without an expectation."""
    assert uncovered(app) == []
    app.add_url_rule("/reports/<int:report_id>", "reports.show", lambda report_id: "", methods=["GET", "POST"])
    assert uncovered(app) == ["no row for GET reports.show", "no row for POST reports.show"]
