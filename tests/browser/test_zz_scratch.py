import json
def test_probe(lms, make_lms, lesson_ids):
    lms.launch()
    lms.course.locator("#cp-next").click()
    lms.course.locator("#cp-next").click()
    lms.course.locator("#cp-exit").click()
    saved = lms.cmi()
    print(json.dumps(saved["core"]), saved["suspend_data"])
    again = make_lms().launch(saved)
    print(again.page.evaluate("() => [API.cmi.core.entry, API.cmi.core.lesson_status]"))
    print(json.dumps(again.log()))
    print(again.visible_lessons())
    again.unload()
    print(json.dumps(again.log()[-4:]))
    print(again.page.frames)

def test_remove(lms):
    lms.launch()
    lms.page.evaluate("() => document.querySelector('iframe').remove()")
    lms.page.wait_for_timeout(300)
    print(json.dumps(lms.log()[-4:]))
