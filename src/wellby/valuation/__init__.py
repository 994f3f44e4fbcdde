"""The WELLBY cost-benefit case under HM Treasury's Green Book.

Published parameters (values, discount schedules, deflators), the appraisal, its
uncertainty and who gains.
"""
